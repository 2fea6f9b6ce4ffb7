"""critnet.info(): the document of `critnet info --json`, and the warning `import critnet` gives
when OpenBLAS runs a generic kernel (docs/cli.md, "OpenBLAS kernels")."""
import json
import os
import subprocess
import sys

import critnet

KERNEL_KEYS = {"cpu_isa", "openblas_core", "openblas_config", "openblas_best_core",
               "openblas_coretype_env", "openblas_generic", "onednn_isa", "warning"}


def test_info_names_the_runtime_and_its_kernels(critnet_binary):
    doc = critnet.info()
    for key in ("critnet", "libtorch", "blas", "gemm", "threads", "cuda_devices", "kernels"):
        assert key in doc, key
    assert doc["critnet"] == critnet.__version__
    assert set(doc["kernels"]) == KERNEL_KEYS
    # The same document as the CLI's, run on the same OpenBLAS core (the session fixture).
    cli = json.loads(subprocess.run([critnet_binary, "info", "--json"], check=True,
                                    capture_output=True, text=True).stdout)
    assert set(cli) == set(doc)
    assert cli["kernels"]["cpu_isa"] == doc["kernels"]["cpu_isa"]
    assert cli["kernels"]["openblas_best_core"] == doc["kernels"]["openblas_best_core"]


def test_import_warns_when_openblas_runs_a_generic_kernel():
    env = dict(os.environ, OPENBLAS_CORETYPE="Prescott")
    code = ("import json, warnings\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            "    import critnet\n"
            "print(json.dumps({'kernels': critnet.info()['kernels'],\n"
            "                  'warnings': [str(w.message) for w in caught\n"
            "                               if issubclass(w.category, RuntimeWarning)]}))\n")
    out = json.loads(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                    capture_output=True, text=True).stdout)
    kernels = out["kernels"]
    if not kernels["openblas_core"]:
        return  # not OpenBLAS: nothing to say
    assert kernels["openblas_core"] == "Prescott"
    generic = kernels["cpu_isa"] in ("avx2", "avx512", "avx512_bf16")
    assert kernels["openblas_generic"] == generic
    said = [w for w in out["warnings"] if "OpenBLAS runs its Prescott kernels" in w]
    assert len(said) == (1 if generic else 0), out["warnings"]
    if generic:
        assert f"OPENBLAS_CORETYPE={kernels['openblas_best_core']}" in said[0]
