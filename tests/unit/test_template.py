"""template.yaml is the single source of truth: the local stack reads routes and resources
from it, so these tests pin what the reader understands."""

from infra.local import cfn
from infra.local.gateway import LocalGateway

TEMPLATE = cfn.load_template()


def test_every_http_route_points_at_a_handler_file_that_exists():
    specs = cfn.functions(TEMPLATE)
    for route in cfn.http_routes(TEMPLATE):
        spec = specs[route.function]
        module = spec.handler.rpartition(".")[0].replace(".", "/") + ".py"
        assert (spec.code_uri / module).is_file(), route


def test_public_and_protected_routes_follow_the_authorizer():
    routes = {r.route_key: r.authorized for r in cfn.http_routes(TEMPLATE)}
    assert routes["POST /v1/auth/register"] is False
    assert routes["GET /openapi.json"] is False
    assert routes["GET /v1/me"] is True
    assert routes["POST /v1/admin/partners"] is True


def test_gateway_matches_path_parameters_and_prefers_literal_segments():
    gw = LocalGateway(TEMPLATE, functions={})
    route, params = gw.match("POST", "/v1/admin/partners/ABC123/users")
    assert route.function == "AdminFunction" and params == {"partner_id": "ABC123"}
    assert gw.match("DELETE", "/v1/me") is None
    assert gw.match("GET", "/v1/admin/partners")[1] == {}


def test_resolver_handles_ref_getatt_and_sub():
    r = cfn.Resolver(TEMPLATE, {"AWS::Region": "cn-north-1", "AWS::StackName": "s"}, {})
    r.set("UserPool", Ref="pool-1")
    r.set("UploadQueue", Arn="arn:q")
    assert (
        r.resolve({"Fn::Sub": "https://idp.${AWS::Region}/${UserPool}"})
        == "https://idp.cn-north-1/pool-1"
    )
    assert r.resolve({"Fn::GetAtt": ["UploadQueue", "Arn"]}) == "arn:q"
    assert r.resolve({"Ref": "CodeBaseUrl"}) == "HTTPS://QR.TANHUI.CN"


def test_upload_bucket_notifies_the_queue_the_import_function_reads():
    bucket = TEMPLATE["Resources"]["UploadBucket"]["Properties"]
    queue = bucket["NotificationConfiguration"]["QueueConfigurations"][0]["Queue"]
    sources = {s.queue: s.function for s in cfn.sqs_sources(TEMPLATE)}
    assert sources[queue["Fn::GetAtt"][0]] == "ImportFunction"


def test_print_worker_reads_the_batch_queue():  # its last delivery: tests/unit/test_queues.py
    sources = {s.queue: s.function for s in cfn.sqs_sources(TEMPLATE)}
    assert sources["BatchQueue"] == "CodeBatchFunction"
