#!/usr/bin/env python3
"""Grading workers for ``shequn grade ASSIGNMENT --cluster ADDRESS``, on Kubernetes or Slurm.

Starts a Dask cluster whose workers can run shequn's sandbox, prints the scheduler's address,
and keeps it up until Ctrl-C (then the workers are removed)::

    python grading_cluster.py kubernetes --workers 8      # dask-kubernetes (the operator)
    python grading_cluster.py slurm --workers 20 --partition grading   # dask-jobqueue
    # in another terminal, where the course folder is (the instructor's server):
    shequn grade threshold_design --cluster tcp://ADDRESS:8786

Kubernetes: the spec is ``grading-workers.yaml`` beside this file (image, privileges and why,
network policy); ``kubectl apply -f grading-workers.yaml`` gives the same cluster without Python.
Needs ``pip install dask-kubernetes`` and a kubeconfig allowed to create DaskCluster resources
in the ``shequn-grading`` namespace.

Slurm: each worker is one Slurm job on a grading partition.  The sandbox needs root (it runs
every learner's kernel as an unprivileged uid in its own namespaces and cgroup), and Slurm jobs
run as the submitting user, so the worker's Python is started through ``sudo -n``: the cluster
admin installs the grader environment (``pip install 'shequn[grading,cluster]'``, bubblewrap)
at ``/opt/shequn-grader`` on those nodes and allows exactly that command, e.g. in
``/etc/sudoers.d/shequn-grader``::

    %shequn-instructors ALL=(root) NOPASSWD: /opt/shequn-grader/bin/python -m distributed.cli.dask_worker *

Needs ``pip install dask-jobqueue`` where this script runs (a login node the compute nodes can
reach on the scheduler's port).  Neither path was run here (no cluster): see README.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def kubernetes(workers: int, namespace: str = "shequn-grading"):
    import yaml
    from dask_kubernetes.operator import KubeCluster

    docs = yaml.safe_load_all((HERE / "grading-workers.yaml").read_text(encoding="utf-8"))
    spec = next(d for d in docs if d and d.get("kind") == "DaskCluster")
    spec["spec"]["worker"]["replicas"] = workers
    # the Namespace and NetworkPolicies are cluster set-up: `kubectl apply -f grading-workers.yaml`
    # once (then `kubectl delete daskcluster shequn-grading -n shequn-grading` if you start it here)
    return KubeCluster(custom_cluster_spec=spec, namespace=namespace, shutdown_on_close=True)


def slurm(workers: int, partition: str, python: str, walltime: str):
    from dask_jobqueue import SLURMCluster

    cluster = SLURMCluster(
        queue=partition,
        cores=1, processes=1,         # one submission at a time per worker, as on Kubernetes
        memory="3GB",                 # sandbox 2 GB (kernel + tmpfs) + the grader
        walltime=walltime,
        python=python,                # "sudo -n /opt/shequn-grader/bin/python": root for the sandbox
        job_extra_directives=["--job-name=shequn-grade"],
        log_directory=str(Path.home() / ".shequn-grading-logs"),
        scheduler_options={"dashboard_address": ":8787"},
    )
    cluster.scale(jobs=workers)
    return cluster


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="where", required=True)
    k = sub.add_parser("kubernetes", help="dask-kubernetes operator (grading-workers.yaml)")
    k.add_argument("--workers", type=int, default=8)
    s = sub.add_parser("slurm", help="dask-jobqueue SLURMCluster")
    s.add_argument("--workers", type=int, default=8)
    s.add_argument("--partition", default="grading")
    s.add_argument("--python", default="sudo -n /opt/shequn-grader/bin/python")
    s.add_argument("--walltime", default="02:00:00")
    a = p.parse_args(argv)
    cluster = kubernetes(a.workers) if a.where == "kubernetes" else slurm(a.workers, a.partition, a.python,
                                                                          a.walltime)
    print(f"scheduler: {cluster.scheduler_address}   (shequn grade ASSIGNMENT --cluster "
          f"{cluster.scheduler_address})", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
