"""Projects: the operator opens and closes them; anyone signed in lists the open ones with their
totals, summed over the project's shards (`tanhui.models.projects`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from tanhui import errors, idempotency
from tanhui.donations.schemas import ProjectIn, ProjectList, ProjectOut, ProjectStatus
from tanhui.models.base import iso_ms, sortable_id
from tanhui.models.pages import decode_cursor, encode_cursor, page_items
from tanhui.models.projects import (
    SHARDS,
    STATUS_CLOSED,
    STATUS_OPEN,
    Project,
    ProjectShard,
    listing_pk,
    project_pk,
)
from tanhui.partners import registry


class ProjectNotFound(errors.NotFound):
    code, message = "project_not_found", "No such project."


class ProjectClosed(errors.Conflict):
    code, message = "project_closed", "This project is closed and takes no more donations."


def create_project(req: ProjectIn, created_by: str) -> ProjectOut:
    if req.partner_id is not None:
        registry.get_partner(req.partner_id.upper())  # 404 partner_not_found
    at = datetime.now(UTC)
    now, project_id = iso_ms(at), sortable_id(at)
    project = Project(
        *Project.key(project_id),
        project_id=project_id,
        name=req.name,
        description=req.description,
        goal_coins=req.goal_coins,
        partner_id=req.partner_id.upper() if req.partner_id else None,
        status=STATUS_OPEN,
        created_by=created_by,
        created_at=now,
        gsi1pk=listing_pk(STATUS_OPEN),
        gsi1sk=f"{now}#{project_id}",
    )
    project.save(condition=Project.pk.does_not_exist())
    return with_totals(project)


def create_project_once(req: ProjectIn, caller: str, key: str | None) -> idempotency.Outcome[ProjectOut]:
    """A retried request with the same `Idempotency-Key` gets the project the first one made."""
    return idempotency.once(
        "projects", caller, key, req,
        create=lambda _mark: create_project(req, caller), id_of=lambda out: out.project_id,
        replay=project_out,
    )


def get_project(project_id: str) -> Project:
    try:
        return Project.get(*Project.key(project_id), consistent_read=True)
    except Project.DoesNotExist as exc:
        raise ProjectNotFound() from exc


def project_out(project_id: str) -> ProjectOut:
    return with_totals(get_project(project_id))


def close_project(project_id: str) -> ProjectOut:
    """Closes an open project (a closed one is answered as it is): donations then get 409."""
    project = get_project(project_id)
    if project.status == STATUS_OPEN:
        project.update(
            actions=[
                Project.status.set(STATUS_CLOSED),
                Project.closed_at.set(iso_ms(datetime.now(UTC))),
                Project.gsi1pk.set(listing_pk(STATUS_CLOSED)),
            ],
            condition=Project.pk.exists(),
        )
    return with_totals(project)


def list_open(limit: int, cursor: str | None) -> ProjectList:
    pk = listing_pk(STATUS_OPEN)
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": pk})
    page = Project.by_listing.query(
        pk, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
    )
    items, next_cursor = page_items(page, ProjectOut.model_validate)
    return ProjectList(items=add_totals(items), next_cursor=next_cursor)


def list_all(status: ProjectStatus | None, limit: int, cursor: str | None) -> ProjectList:
    """The operator's list: open and closed projects (or those of `status`), newest first. Each
    status is its own listing partition; a page reads the next `limit` of each (after the cursor's
    listing key) and keeps the newest `limit` of both, so the cursor is that listing key."""
    start = decode_cursor(cursor, {"before"})
    before = start["before"]["S"] if start else None
    found: list[Project] = []
    for each in [status] if status else [STATUS_OPEN, STATUS_CLOSED]:
        condition = Project.gsi1sk < before if before else None
        found += Project.by_listing.query(
            listing_pk(each), condition, scan_index_forward=False, limit=limit + 1, page_size=limit + 1
        )
    found.sort(key=lambda p: p.gsi1sk, reverse=True)
    page = found[:limit]
    more = len(found) > limit
    items, _ = page_items(page, ProjectOut.model_validate)
    next_cursor = encode_cursor({"before": {"S": page[-1].gsi1sk}}) if more else None
    return ProjectList(items=add_totals(items), next_cursor=next_cursor)


def add_totals(projects: list[ProjectOut]) -> list[ProjectOut]:
    """Each project with coins, donations and donors summed over its shards (one BatchGetItem
    per 10 projects; a shard exists once a donation picked it)."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: {"raised_coins": 0, "donations": 0, "donors": 0})
    keys = [ProjectShard.key(p.project_id, n) for p in projects for n in range(SHARDS)]
    if keys:
        for shard in ProjectShard.batch_get(keys, consistent_read=True):
            total = sums[shard.pk]
            total["raised_coins"] += int(shard.coins)
            total["donations"] += int(shard.donations)
            total["donors"] += int(shard.donors)
    return [p.model_copy(update=sums[project_pk(p.project_id)]) for p in projects]


def with_totals(project: Project) -> ProjectOut:
    return add_totals([ProjectOut.model_validate(project)])[0]
