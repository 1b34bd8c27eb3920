"""Cold-start guard: the claim function's init imports only what the claim path needs."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "reportlab",
    "qrcode",
    "jwt",
    "cryptography",
    "boto3",
    "tanhui.codes.labels",
    "tanhui.certificates.pdf",
    "tanhui.codes.schemas",
    "tanhui.identity",
    "tanhui.partners",
    "tanhui.spending",
)


def test_given_claims_function_when_imported_then_no_rendering_identity_or_boto3_modules_load():
    probe = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('app', {str(ROOT / 'functions/claims/app.py')!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    env = {
        "PYTHONPATH": str(ROOT / "layers" / "common"),
        "TABLE_NAME": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_given_claims_function_when_imported_then_no_tanhui_pydantic_model_is_built_yet():
    probe = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('app', {str(ROOT / 'functions/claims/app.py')!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "import pydantic\n"
        "def every(c):\n"
        "    for sub in c.__subclasses__():\n"
        "        yield sub; yield from every(sub)\n"
        "built = {m.__module__ + '.' + m.__name__ for m in every(pydantic.BaseModel)\n"
        "         if m.__module__.startswith('tanhui') and m.__pydantic_complete__}\n"
        "print(json.dumps(sorted(built)))\n"
    )
    env = {"PYTHONPATH": str(ROOT / "layers" / "common"), "TABLE_NAME": "t",
           "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_given_no_environment_when_models_imported_then_the_table_is_read_from_settings_on_use():
    probe = (
        "import os\n"
        "from tanhui import config\n"
        "from tanhui.models.wallet import Wallet\n"
        "assert config.get_settings.cache_info().currsize == 0, 'settings read at import'\n"
        "os.environ.update(TABLE_NAME='later', AWS_DEFAULT_REGION='eu-west-1',"
        " AWS_ENDPOINT_URL='http://127.0.0.1:1')\n"
        "print(Wallet.Meta.table_name, Wallet.Meta.region, Wallet.Meta.host)\n"
    )
    env = {"PYTHONPATH": str(ROOT / "layers" / "common")}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["later", "eu-west-1", "http://127.0.0.1:1"], out.stderr
