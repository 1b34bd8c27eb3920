"""`make deploy ENV=staging|production`: the edge firewall, the application, the web app.

1. infra/waf.yaml as the stack `<stack>-edge` in us-east-1 (a CLOUDFRONT-scope web ACL can live
   nowhere else), and its WebAclArn output read back;
2. `sam build`, then `sam deploy --config-env ENV` with samconfig.toml's parameter overrides plus
   WebAclArn (a command line's overrides replace the file's, so they are passed whole);
3. the web app (web/dist, built by make) published to the stack's WebBucketName output.

`--dry-run` prints the commands and runs nothing (no AWS needed). Needs the SAM CLI and AWS
credentials for the account (docs/developers/deploy.md, "A first deploy").
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "samconfig.toml"
EDGE_REGION = "us-east-1"  # CloudFront's WAF scope is managed there, whatever the stack's Region
ACL_PLACEHOLDER = "<WebAclArn of the edge stack>"


@dataclass(frozen=True)
class Environment:
    name: str
    stack: str
    region: str
    overrides: dict[str, str]

    @property
    def edge_stack(self) -> str:
        return f"{self.stack}-edge"


def environment(name: str, config: Path = CONFIG) -> Environment:
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    if name not in data:
        raise SystemExit(f"deploy: no environment {name!r} in {config.name} (there are: {', '.join(data)})")
    env = data[name]
    common = env.get("global", {}).get("parameters", {})
    deploy = env.get("deploy", {}).get("parameters", {})
    pairs = shlex.split(deploy.get("parameter_overrides", ""))
    overrides = dict(pair.split("=", 1) for pair in pairs)
    return Environment(name, common.get("stack_name") or deploy["stack_name"],
                       common.get("region") or deploy["region"], overrides)


def commands(env: Environment, web_acl_arn: str = ACL_PLACEHOLDER) -> list[list[str]]:
    """What a deploy runs, in order; the WebAclArn comes from the edge stack's output."""
    overrides = env.overrides | {"WebAclArn": web_acl_arn}
    return [
        ["sam", "deploy", "--template-file", "infra/waf.yaml", "--stack-name", env.edge_stack,
         "--region", EDGE_REGION, "--no-fail-on-empty-changeset", "--no-confirm-changeset"],
        ["sam", "build", "--config-env", env.name],
        ["sam", "deploy", "--config-env", env.name, "--parameter-overrides",
         *[f"{key}={value}" for key, value in overrides.items()]],
    ]


def _output(stack: str, region: str, key: str) -> str:
    import boto3

    described = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0].get("Outputs", [])}
    return outputs[key]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("env", help="an environment of samconfig.toml: staging or production")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    env = environment(args.env)
    if args.dry_run:
        for command in commands(env):
            print(shlex.join(command))
        print(f"python -m infra.web_publish --bucket <WebBucketName of {env.stack}>")
        return
    if shutil.which("sam") is None:
        raise SystemExit("deploy: the SAM CLI is not on PATH (pip install aws-sam-cli, or AWS's installer)")
    edge, build, deploy = commands(env)
    subprocess.run(edge, cwd=ROOT, check=True)
    acl = _output(env.edge_stack, EDGE_REGION, "WebAclArn")
    subprocess.run(build, cwd=ROOT, check=True)
    subprocess.run(commands(env, acl)[2], cwd=ROOT, check=True)
    bucket = _output(env.stack, env.region, "WebBucketName")
    subprocess.run([sys.executable, "-m", "infra.web_publish", "--bucket", bucket], cwd=ROOT, check=True,
                   env=os.environ | {"AWS_REGION": env.region, "AWS_DEFAULT_REGION": env.region})
    print(f"deploy: {env.name} is {_output(env.stack, env.region, 'WebUrl')}")


if __name__ == "__main__":
    main()
