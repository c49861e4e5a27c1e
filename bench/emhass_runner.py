"""Solve benchmark problems with EMHASS's optimiser (runs inside .venv-emhass).

Reads a JSON list of {"problem": FORMAT.md problem, "soc_final_percent": float} on
stdin and writes a JSON list of {"battery_kw": [...], "seconds": float,
"optimise_seconds": float, "solver_seconds": float, "status": str} on stdout. Timing is taken here, around
EMHASS's own calls: building the Optimization object and perform_naive_mpc_optim.

With `--stream` (the closed-loop replay) it reads one job per line and answers each
with one line as soon as it is solved; one Optimization object per horizon length
and slot length is built once and reused, as an MPC loop in EMHASS does.

Mapping onto EMHASS (where it differs from FORMAT.md):
- costfun "profit", one battery, no deferrable loads, PV curtailment allowed,
  battery export allowed (set_nodischarge_to_grid false), grid limits in W.
- EMHASS has no terminal value of stored energy; it takes a final SoC instead. We give
  it the final SoC of the exact MILP plan (an oracle in its favour).
- cycle cost -> weight_battery_discharge (per kWh discharged, AC side).
- EMHASS's MIP gap is its default (lp_solver_mip_rel_gap 0.01), as users run it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pathlib
import sys
import tempfile
import time
from typing import Any

import emhass
from emhass.optimization import Optimization
from emhass.utils import build_config, build_params, build_secrets, get_yaml_parse
import pandas as pd  # type: ignore[import-untyped]

ROOT = pathlib.Path(emhass.__file__).parent
CONF = {
    "data_path": pathlib.Path(tempfile.gettempdir()) / "emhass-bench",
    "root_path": ROOT,
    "defaults_path": ROOT / "data" / "config_defaults.json",
    "associations_path": ROOT / "data" / "associations.csv",
}
LOGGER = logging.getLogger("emhass-bench")
LOGGER.addHandler(logging.NullHandler())
LOGGER.propagate = False


async def _defaults() -> dict[str, Any]:
    CONF["data_path"].mkdir(exist_ok=True)
    config = await build_config(CONF, LOGGER, CONF["defaults_path"])
    _, secrets = await build_secrets(CONF, LOGGER, no_response=True)
    params: dict[str, Any] = await build_params(CONF, secrets, config, LOGGER)
    return params


def _configure(params: dict[str, Any], problem: dict[str, Any]) -> tuple[Any, ...]:
    battery = problem["battery"]
    grid = problem["grid"]
    params = json.loads(json.dumps(params, default=str))
    params["retrieve_hass_conf"]["optimization_time_step"] = problem["slot_minutes"]
    optim = params["optim_conf"]
    optim.update(
        set_use_battery=True,
        number_of_deferrable_loads=0,
        nominal_power_of_deferrable_loads=[],
        minimum_power_of_deferrable_loads=[],
        operating_hours_of_each_deferrable_load=[],
        start_timesteps_of_each_deferrable_load=[],
        end_timesteps_of_each_deferrable_load=[],
        treat_deferrable_load_as_semi_cont=[],
        set_deferrable_load_single_constant=[],
        set_deferrable_startup_penalty=[],
        deferrable_load_max_cost=[],
        set_deferrable_max_startups=[],
        def_minimum_on_time=[],
        def_minimum_off_time=[],
        cost_forecast_per_deferrable_load=[],
        is_electric_load=[],
        set_nocharge_from_grid=False,
        set_nodischarge_to_grid=False,
        weight_battery_discharge=battery.get("cycle_cost_per_kwh", 0.0),
        weight_battery_charge=0.0,
    )
    plant = params["plant_conf"]
    plant.update(
        maximum_power_from_grid=1e6
        if grid.get("max_import_kw") is None
        else grid["max_import_kw"] * 1000.0,
        maximum_power_to_grid=1e6
        if grid.get("max_export_kw") is None
        else grid["max_export_kw"] * 1000.0,
        compute_curtailment=True,
        inverter_is_hybrid=False,
        battery_discharge_power_max=battery["max_discharge_kw"] * 1000.0,
        battery_charge_power_max=battery["max_charge_kw"] * 1000.0,
        battery_discharge_efficiency=battery.get("discharge_efficiency", 1.0),
        battery_charge_efficiency=battery.get("charge_efficiency", 1.0),
        battery_nominal_energy_capacity=battery["capacity_kwh"] * 1000.0,
        battery_minimum_state_of_charge=battery["min_soc_percent"] / 100.0,
        battery_maximum_state_of_charge=battery["max_soc_percent"] / 100.0,
        battery_target_state_of_charge=battery["soc_percent"] / 100.0,
    )
    parsed: tuple[Any, ...] = get_yaml_parse(json.dumps(params), LOGGER)
    return parsed


def solve(
    params: dict[str, Any],
    job: dict[str, Any],
    cache: dict[tuple[int, int], Any] | None = None,
) -> dict[str, Any]:
    """Solve one problem; return EMHASS's battery schedule in FORMAT.md's sign."""
    problem = job["problem"]
    count = len(problem["import_price"])
    index = pd.date_range(
        start=pd.Timestamp(problem["start"]),
        periods=count,
        freq=f"{problem['slot_minutes']}min",
    )
    frame = pd.DataFrame(
        {
            "unit_load_cost": problem["import_price"],
            "unit_prod_price": problem["export_price"],
        },
        index=index,
    )
    pv = pd.Series([kw * 1000.0 for kw in problem["pv_kw"]], index=index)
    load = pd.Series([kw * 1000.0 for kw in problem["load_kw"]], index=index)
    started = time.perf_counter()
    key = (count, problem["slot_minutes"])
    optimisation = None if cache is None else cache.get(key)
    if optimisation is None:
        retrieve, optim, plant = _configure(params, problem)
        optimisation = Optimization(
            retrieve,
            optim,
            plant,
            "unit_load_cost",
            "unit_prod_price",
            "profit",
            CONF,
            LOGGER,
            num_timesteps=count,
        )
        if cache is not None:
            cache[key] = optimisation
    optimise_started = time.perf_counter()
    stages: dict[str, float] = {}
    result = optimisation.perform_naive_mpc_optim(
        frame,
        pv,
        load,
        count,
        soc_init=problem["battery"]["soc_percent"] / 100.0,
        soc_final=job["soc_final_percent"] / 100.0,
        stage_times=stages,
    )
    finished = time.perf_counter()
    status = str(getattr(optimisation, "optim_status", "unknown"))
    # EMHASS's P_batt is positive when discharging.
    battery = [-float(value) / 1000.0 for value in result["P_batt"].to_numpy()]
    return {
        "battery_kw": battery,
        "seconds": finished - started,
        "optimise_seconds": finished - optimise_started,
        "status": status,
        "solver_seconds": stages.get("optim_solve.solve"),
    }


def main() -> None:
    """Solve every job on stdin (one JSON list, or one job per line with --stream)."""
    params = asyncio.run(_defaults())
    if "--stream" not in sys.argv:
        jobs = json.load(sys.stdin)
        json.dump([solve(params, job) for job in jobs], sys.stdout)
        return
    # Solvers print banners on descriptor 1: answers go to a copy of it, the rest
    # to stderr.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    cache: dict[tuple[int, int], Any] = {}
    for line in sys.stdin:
        answers.write(json.dumps(solve(params, json.loads(line), cache)) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
