"""What template.yaml grants: CORS for every method a route uses, least-privilege DynamoDB
actions per function, and which Cognito attributes the public app client may write."""

from infra.local import cfn

TEMPLATE = cfn.load_template()
RESOURCES = TEMPLATE["Resources"]


def test_cors_allows_every_method_a_route_uses():
    allowed = set(RESOURCES["HttpApi"]["Properties"]["CorsConfiguration"]["AllowMethods"])
    used = {r.route_key.split()[0] for r in cfn.http_routes(TEMPLATE)}
    assert used - allowed == set()


# What each function's code does to the table (PynamoDB calls traced through its handler and the
# domain modules it reaches; the integration run checks every call it makes is granted).
DYNAMODB_ALLOWED = {
    # profiles, wallets, consent and bindings: get, conditional puts, the consent update, the
    # bindings transaction (puts and deletes of numbers, update of the user's item)
    # and the partner file rows that waited for the user (queried, credited, deleted; a shop's
    # sale finds its product by GTIN on gsi1)
    "IdentityFunction": ({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"}, True),
    # partners (listed through gsi1), staff profiles, factor versions (query + conditional put),
    # idempotency keys (put, read, take over, release), projects and their shard totals (batches),
    # export items, and the records an audit re-reads in batches
    "AdminFunction": ({"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"}, True),
    # assets, codes, tombstones, batches (listed through gsi1), idempotency keys; the names of the
    # assets its totals are grouped by (a batch)
    "PartnerFunction": ({"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"}, True),
    # the print worker reads and moves its batch on
    "CodeBatchFunction": ({"GetItem", "UpdateItem"}, False),
    # the claim transaction, cached metadata reads, wallet and the ledger (gsi1); certificates:
    # the ledger summed (gsi1), the profile's name, the certificate put once and read
    "ClaimsFunction": ({"GetItem", "Query", "ConditionCheckItem", "PutItem", "UpdateItem"}, True),
    # the donation transaction, shard totals in batches, open projects (gsi1), idempotency keys
    "DonationsFunction": ({"GetItem", "BatchGetItem", "Query", "ConditionCheckItem", "PutItem",
                           "UpdateItem", "DeleteItem"}, True),
    # buyback rounds (gsi1), the offer transaction, the ledger summed by behaviour (gsi1), a
    # round's sellers for its payouts file, idempotency keys (put, read, take over, release)
    "BuybackFunction": ({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"}, True),
    # the registry's items and listings (gsi1), an export's audit (BatchGetItem of its records), the
    # issuance, transfer, retirement and offset plans, idempotency keys (put, read, take over, release)
    "RegistryFunction": ({"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"}, True),
    # offers (listed through gsi1), vouchers (listed through gsi1), the redemption, consume and
    # their idempotency keys (put, read, take over, release)
    "SpendingFunction": ({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"}, True),
    # expiry markers queried and deleted, vouchers read, the refund transaction
    "RefundFunction": ({"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"}, False),
    # the policy queried, wallets scanned in parallel segments and read again, the expire plans
    "ExpiryFunction": ({"GetItem", "PutItem", "UpdateItem", "Query", "Scan"}, False),
    # import jobs and their ranges, the crediting transactions (records, wallets, the quota
    # counter), bindings read in batches, the partner's assets, pending rows (a block in batches),
    # products by GTIN (gsi1)
    "ImportFunction": ({"GetItem", "BatchGetItem", "PutItem", "BatchWriteItem", "UpdateItem", "Query"}, True),
    # the export item, the chain head (conditional updates), gsi3 day shards, factor sources
    "ExportFunction": ({"GetItem", "UpdateItem", "Query"}, True),
    # a completed export's item (and its predecessor's) behind the public verify route
    "VerifyFunction": ({"GetItem"}, False),
    # one transaction per chunk of a stream batch: marker puts (attribute_not_exists), ADD updates,
    # a user new to their stats checked not to have closed their account
    "AggregatorFunction": ({"PutItem", "UpdateItem", "BatchGetItem", "ConditionCheckItem"}, False),
    # rank entries and their gsi2 (top N, COUNT above the caller), medals, the top N's names
    "EngagementFunction": ({"GetItem", "Query", "BatchGetItem"}, True),
    # a copy of a person's data: their items by key, their ledger, vouchers and certificates on
    # gsi1, and the mark that keeps copies a minute apart (with a check of the profile); closing an
    # account: the closing's plans (records put, marked and deleted; vouchers updated; the
    # person's items deleted)
    "RightsFunction": (
        {"GetItem", "Query", "UpdateItem", "PutItem", "DeleteItem", "ConditionCheckItem"}, True),
    # a regulator's reads: partners (gsi1), factors, exports, the records an audit re-reads in
    # batches, totals, the coin policy; the operators' action log (its own table) queried
    "RegulatorFunction": ({"GetItem", "BatchGetItem", "Query"}, True),
    # peers (滤重): keys read 100 a batch and put in plans, the peer of a token, its rate counter,
    # its audit (put, queried), the peers listed (gsi1)
    "PeersFunction": ({"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "Query"}, True),
    # the code's page: the code's asset and partner name, the factor versions in effect
    "LandingFunction": ({"GetItem", "Query"}, False),
}


def test_no_function_gets_a_sam_table_policy_and_each_only_its_own_dynamodb_actions():
    from tests.iam import dynamodb_grants

    grants = dynamodb_grants(TEMPLATE)
    assert {fn: g["sam_policies"] for fn, g in grants.items() if g["sam_policies"]} == {}
    granted = {fn: (g["actions"], g["index"]) for fn, g in grants.items() if g["actions"]}
    assert granted == DYNAMODB_ALLOWED


def test_app_client_cannot_write_consent_or_partner_attributes():
    client = RESOURCES["UserPoolClient"]["Properties"]
    custom = {f"custom:{a['Name']}" for a in RESOURCES["UserPool"]["Properties"]["Schema"]
              if a["Name"] not in {"phone_number", "name"}}
    assert custom and custom & set(client["WriteAttributes"]) == set()
