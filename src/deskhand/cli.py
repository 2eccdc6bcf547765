"""`deskhand VERB`: one verb per job. Exit codes: 0 success, 1 the task failed, 2 bad usage or input."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from deskhand import __version__
from deskhand.desktop import ActionError, DesktopError, XvfbDesktop, parse_size

if TYPE_CHECKING:
    from deskhand.desktop import App
    from deskhand.fleet.store import Store
    from deskhand.gaps.report import GapReport
    from deskhand.record.recorder import Recorder
    from deskhand.run.report import RunResult
    from deskhand.scenarios import Scenario

app = typer.Typer(
    help="deskhand: watch a person do a job on a computer once, then do it faster, through pixels and keys.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def clear_errors() -> Iterator[None]:
    """Turn the errors deskhand expects into one clear line and an exit code, never a traceback."""
    try:
        yield
    except (DesktopError, ActionError) as e:
        fail(str(e))


def _version(value: bool) -> None:
    if value:
        console.print(f"deskhand {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """deskhand: a human emulator. It sees only pixels and acts only through keyboard and mouse."""
    signal.signal(signal.SIGTERM, _unwind)


def _unwind(*_: object) -> None:
    """SIGTERM (a host reclaimed, a job cancelled) unwinds like an exception, so the desktops
    and apps a command started are closed rather than left running."""
    raise SystemExit(128 + signal.SIGTERM)


@app.command()
def doctor(json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """Check that everything deskhand needs is installed, and print how to install what is not.

    Example: deskhand doctor --json
    """
    from deskhand.doctor import diagnose, report

    findings = diagnose()
    result = report(findings)
    if json_out:
        print(json.dumps(result, indent=2))
    else:
        table = Table("check", "status", "detail / fix")
        for f in findings:
            status = "[green]ok[/]" if f.ok else ("[red]missing[/]" if f.required else "[yellow]optional[/]")
            table.add_row(f.name, status, f.detail if f.ok else f"{f.detail}\n[bold]fix:[/] {f.fix}")
        console.print(table)
        console.print(
            "[green]all required parts are here[/]"
            if result["ok"]
            else "[red]something required is missing[/]"
        )
    if not result["ok"]:
        raise typer.Exit(1)


SizeOption = Annotated[
    str, typer.Option("--size", help="Screen size, WIDTHxHEIGHT: 640x480 up to 7680x4320.")
]


@app.command()
def desktop(
    size: SizeOption = "1920x1080",
    app_cmd: Annotated[str | None, typer.Option("--app", help="A command to launch on the desktop.")] = None,
    screenshot: Annotated[
        Path | None, typer.Option("--screenshot", help="Save a PNG of the screen here.")
    ] = None,
    dpi: Annotated[int, typer.Option(help="Dots per inch; 192 makes a 2x HiDPI screen.")] = 96,
    hold: Annotated[bool, typer.Option("--hold", help="Keep the desktop up until Ctrl+C.")] = False,
) -> None:
    """Start a private desktop (Xvfb + openbox), optionally launch an app, save a screenshot.

    Example: deskhand desktop --size 1280x800 --app mousepad --screenshot shot.png
    """
    with clear_errors():
        width, height = parse_size(size)
        with XvfbDesktop(width, height, dpi=dpi) as d:
            console.print(f"desktop [bold]{d.display}[/] at {width}x{height}, scale {d.scale:g}")
            if app_cmd:
                launched = d.launch(app_cmd)
                window = d.wait_for_window(pid=None)
                console.print(f"launched {launched.command[0]} (pid {launched.pid}): window {window.title!r}")
            frame = d.wait_until_stable(timeout=20.0)
            if screenshot:
                console.print(f"screenshot: {frame.save(screenshot)}")
            if hold:
                console.print(f"holding; point a tool at DISPLAY={d.display}. Ctrl+C ends it.")
                _hold()


def _hold(sleep: Callable[[float], None] = time.sleep) -> None:
    try:
        while True:
            sleep(3600)
    except KeyboardInterrupt:
        console.print("stopped")


@app.command()
def record(
    out: Annotated[
        Path, typer.Option("--out", help="The recording directory to create (must be new or empty).")
    ],
    display: Annotated[
        str | None, typer.Option("--display", help="Record an existing X display, e.g. :0.")
    ] = None,
    size: Annotated[
        str | None, typer.Option("--size", help="Or start a private WIDTHxHEIGHT desktop.")
    ] = None,
    app_cmd: Annotated[
        str | None, typer.Option("--app", help="An app to launch; recording stops when it exits.")
    ] = None,
    sop: Annotated[
        Path | None, typer.Option("--sop", help="The written procedure (Markdown or text) to store.")
    ] = None,
    fps: Annotated[float, typer.Option("--fps", help="Frames per second of screen video.")] = 10.0,
    stop_hotkey: Annotated[
        str, typer.Option("--stop-hotkey", help="Key combo that ends the recording.")
    ] = "ctrl+alt+End",
    secret_hotkey: Annotated[
        str, typer.Option("--secret-hotkey", help="Key combo that toggles secret mode.")
    ] = "ctrl+alt+s",
    secret_window: Annotated[
        list[str] | None,
        typer.Option("--secret-window", help="Regex on window title/class whose typing is secret."),
    ] = None,
) -> None:
    """Record a person at work: screen video plus every input event, until Ctrl+C, the stop hotkey or the app exits.

    Keys typed in secret mode, into a --secret-window, or into a field that shows bullets never reach disk.

    Example: deskhand record --size 1920x1080 --app mousepad --out rec/
    """
    from deskhand.desktop import AttachedDesktop
    from deskhand.record.format import RecordingError
    from deskhand.record.recorder import RecordConfig, Recorder

    if display and size:
        fail("give --display or --size, not both")
    with clear_errors():
        try:
            config = RecordConfig(fps, stop_hotkey, secret_hotkey, tuple(secret_window or ()))
            sop_text = _read_text(sop) if sop else None
            desktop = AttachedDesktop(display) if display else XvfbDesktop(*parse_size(size or "1920x1080"))
        except ValueError as e:
            fail(str(e))
        try:
            with desktop, _ctrl_c() as interrupted:
                launched = desktop.launch(app_cmd) if app_cmd else None
                recorder = Recorder(desktop, out, config, [app_cmd] if app_cmd else [], sop_text)
                try:
                    recorder.start()
                except RecordingError as e:
                    fail(str(e))
                console.print(f"recording [bold]{desktop.display}[/]; stop with Ctrl+C or {stop_hotkey}")
                why = _record_until(recorder, launched, interrupted)
                with console.status("writing the recording"):
                    path = recorder.stop()
                stats = recorder.stats()
        except KeyboardInterrupt:
            fail(f"stopped by a second Ctrl+C before the recording was written: {out} is incomplete")
        console.print(
            f"stopped ({why}): {stats.events} events, {stats.frames} frames, "
            f"{stats.bytes / 1e6:.1f} MB in {stats.elapsed_s:.1f} s -> {path}"
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        fail(f"cannot read {path}: {e}")


@contextmanager
def _ctrl_c() -> Iterator[threading.Event]:
    """Ctrl+C (or SIGTERM) sets an event instead of raising wherever the main thread happens to be.

    A KeyboardInterrupt raised inside a lock's `with` (the status line's, say) can leave the lock
    held and the recording never written; an event is looked at only where it is safe to stop.
    A second Ctrl+C interrupts at once.
    """
    pressed = threading.Event()

    def on_ctrl_c(*_: object) -> None:
        if pressed.is_set():  # pressed again: the person wants out now
            raise KeyboardInterrupt
        pressed.set()

    previous = {sig: signal.signal(sig, on_ctrl_c) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield pressed
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _record_until(recorder: Recorder, app_proc: App | None, interrupted: threading.Event) -> str:
    """Show a live status line until Ctrl+C, the stop hotkey, or the app exiting; say which."""
    with console.status("") as status:
        while not interrupted.is_set():
            if recorder.stop_requested.wait(0.2):
                return "stop hotkey"
            if app_proc is not None and not app_proc.running:
                return "app exited"
            s = recorder.stats()
            status.update(
                f"recording {s.elapsed_s:6.1f} s | {s.events} events | {s.frames} frames | {s.bytes / 1e6:.1f} MB"
            )
    return "Ctrl+C or SIGTERM"


@app.command()
def learn(
    recordings: Annotated[list[Path], typer.Argument(help="One or more recordings of the same job.")],
    out: Annotated[Path, typer.Option("--out", help="The skill directory to write.")],
    name: Annotated[
        str | None, typer.Option("--name", help="The skill's name (default: the directory's).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the skill summary as JSON.")] = False,
) -> None:
    """Compile recordings of a job into a skill: steps with target anchors, parameters and waits.

    Typed text becomes a parameter named after the field's label; edit skill.yaml to rename it.

    Example: deskhand learn rec1/ rec2/ --out refund-skill/
    """
    from deskhand.learn.compile import learn as compile_skill
    from deskhand.learn.skill import SkillError, save_skill
    from deskhand.record.format import Recording, RecordingError
    from deskhand.vision.ocr import Ocr

    try:
        opened = [Recording.open(r) for r in recordings]
        with console.status(f"learning from {len(opened)} recording(s)"):
            skill, crops = compile_skill(opened, Ocr(), name or out.resolve().name)
            save_skill(skill, out, crops)
    except (RecordingError, SkillError) as e:
        fail(str(e))
    summary = {
        "skill": str(out),
        "steps": len(skill.steps),
        "parameters": [
            {"name": p.name, "required": p.required, "secret": p.secret} for p in skill.parameters
        ],
        "human_seconds": skill.human_time,
    }
    if json_out:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    table = Table("#", "step", "idempotent", title=f"skill {skill.name}: {len(skill.steps)} steps")
    for step in skill.steps:
        what = f"{step.note} <- {step.parameter}" if step.parameter else step.note
        table.add_row(str(step.index), what, "yes" if step.idempotent else "[yellow]no[/]")
    console.print(table)
    params = ", ".join(f"{p.name}{'*' if p.required else ''}" for p in skill.parameters) or "none"
    console.print(f"parameters (* required): {params}\nwrote {out / 'skill.yaml'}")


def _parse_inputs(pairs: list[str] | None, csv_path: Path | None) -> list[dict[str, str]]:
    """--input NAME=VALUE pairs, and/or one row per line of a CSV whose header names the inputs."""
    import csv

    base = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            fail(f"--input takes NAME=VALUE, got {pair!r}")
        base[key.strip()] = value
    if csv_path is None:
        return [base]
    try:
        with csv_path.open(newline="", encoding="utf-8") as f:
            rows = [{**base, **row} for row in csv.DictReader(f)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        fail(f"cannot read {csv_path}: {e}")
    if not rows:
        fail(f"{csv_path} has no rows")
    return rows


@app.command()
def run(
    skill_dir: Annotated[Path, typer.Argument(help="A skill made by `deskhand learn`.")],
    inputs: Annotated[
        list[str] | None, typer.Option("--input", help="A parameter value, NAME=VALUE.")
    ] = None,
    rows: Annotated[Path | None, typer.Option("--inputs", help="A CSV of inputs, one run per row.")] = None,
    size: Annotated[str | None, typer.Option("--size", help="Run on a private WIDTHxHEIGHT desktop.")] = None,
    display: Annotated[
        str | None, typer.Option("--display", help="Or on an existing X display, e.g. :0.")
    ] = None,
    dpi: Annotated[int, typer.Option("--dpi", help="DPI of a private desktop; 192 is 2x.")] = 96,
    app_cmd: Annotated[
        str | None, typer.Option("--app", help="Launch this app (fresh for every row).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    trace: Annotated[
        Path | None, typer.Option("--trace", help="Write a trace video (.mp4) of the run.")
    ] = None,
    report: Annotated[Path, typer.Option("--report", help="Where an escalation report goes.")] = Path(
        "deskhand-report"
    ),
    checkpoint: Annotated[
        Path | None, typer.Option("--checkpoint", help="Write progress here after each step.")
    ] = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Resume from this checkpoint.")] = None,
    step_timeout: Annotated[
        float, typer.Option("--step-timeout", help="Seconds a target may take to appear.")
    ] = 10.0,
) -> None:
    """Do the job a skill describes, on any screen, stopping to ask a person when unsure.

    Exit code 1 means a run escalated: see the report directory for what it expected and saw.

    Example: deskhand run refund-skill/ --size 1280x800 --app mousepad --input amount=25.00
    """
    from deskhand.desktop import AttachedDesktop
    from deskhand.learn.skill import SkillError, check_skill
    from deskhand.run.checkpoint import Checkpoint
    from deskhand.run.runner import RunConfig, Runner
    from deskhand.run.trace import Trace
    from deskhand.vision.ocr import Ocr

    if size and display:
        fail("give --size or --display, not both")
    results = []
    with clear_errors():
        try:
            skill = check_skill(skill_dir)
            runs = [skill.bind(row) for row in _parse_inputs(inputs, rows)]
            start = Checkpoint.load(resume) if resume else None
        except SkillError as e:
            fail(str(e))
        desktop = (
            AttachedDesktop(display) if display else XvfbDesktop(*parse_size(size or "1920x1080"), dpi=dpi)
        )
        ocr = None

        def shared_ocr() -> Ocr:
            nonlocal ocr
            ocr = ocr or Ocr()
            return ocr

        with desktop, console.status("running") as status:
            recorder = Trace(trace, desktop.size) if trace else None
            for n, values in enumerate(runs, 1):
                status.update(f"row {n}/{len(runs)}: {skill.name}")
                launched = desktop.launch(app_cmd) if app_cmd else None
                runner = Runner(
                    desktop,
                    skill,
                    values,
                    RunConfig(step_timeout=step_timeout, effect_timeout=step_timeout),
                    checkpoint=checkpoint,
                    report_dir=report / f"row-{n}",
                    ocr=shared_ocr,
                    on_frame=recorder.add if recorder else None,
                )
                try:
                    results.append(runner.run(start if n == 1 else None))
                except SkillError as e:
                    fail(str(e))
                if launched is not None:
                    launched.close()
                if not results[-1].ok:
                    break
            if recorder:
                recorder.close()
    _print_results(results, json_out)
    if not all(r.ok for r in results) or len(results) < len(runs):
        raise typer.Exit(1)


def _print_results(results: list[RunResult], json_out: bool) -> None:
    if json_out:
        print(
            json.dumps({"runs": [r.to_dict() for r in results], "ok": all(r.ok for r in results)}, indent=2)
        )
        return
    table = Table("row", "result", "steps", "deskhand s", "human s", "speed-up", "app-bound")
    for n, r in enumerate(results, 1):
        result = "[green]done[/]" if r.ok else "[red]stopped[/]"
        speed = f"{r.speedup:.1f}x" if r.speedup else "-"
        bound = f"{r.app_bound_ratio:.2f}" if r.app_bound_ratio else "-"
        table.add_row(str(n), result, str(len(r.steps)), f"{r.total_s:.2f}", f"{r.human_s:.1f}", speed, bound)
    console.print(table)
    for r in results:
        if r.escalation:
            e = r.escalation
            console.print(
                f"[red]stopped at step {e.step}[/] ({e.note}): {e.reason}\nreport: {e.report}/index.html"
            )


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Where the recording, skill, screenshots and report go.")
    ] = Path("demo-out"),
    sizes: Annotated[
        str, typer.Option("--sizes", help="Screens to replay on, one new ticket each, comma-separated.")
    ] = "1280x800,1920x1080,5120x2880",
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """The main job: record a scripted person doing a Chromium + Gnumeric job, learn it, redo it on new tickets.

    The person opens a ticket in the support console, finds the customer in a Gnumeric sheet,
    enters the refund, copies the new balance and replies with it. deskhand learns that from one
    recording and does it on new tickets, one per screen size. Writes OUT/report.html (before and
    after screenshots, trace videos) and OUT/demo.json.

    Example: deskhand demo --out demo-out --sizes 1280x800,1920x1080
    """
    from deskhand.demo import DemoConfig, DemoError, run_demo

    with clear_errors():
        screens = tuple(parse_size(s.strip()) for s in sizes.split(",") if s.strip())
        if not screens:
            fail("--sizes names no screen")
        config = DemoConfig(out=out.resolve(), sizes=screens)
        started = time.monotonic()
        try:
            with console.status("starting") as status:

                def progress(message: str) -> None:
                    console.log(message)
                    status.update(message)

                result = run_demo(config, progress)
        except DemoError as e:
            fail(str(e), code=1)
    if json_out:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        table = Table(title=f"deskhand demo: {result.title}")
        for column in ("screen", "ticket", "result", "human s", "deskhand s", "speed-up", "vs KLM"):
            table.add_column(column)
        for r in result.runs:
            table.add_row(
                r.screen,
                f"#{r.ticket}",
                "[green]done[/]" if r.ok else f"[red]stopped[/]: {r.problem}",
                f"{r.human_s:.1f}",
                f"{r.deskhand_s:.2f}",
                f"{r.speedup:.1f}x" if r.speedup else "-",
                f"{r.klm_speedup:.1f}x" if r.klm_speedup else "-",
            )
        console.print(table)
        console.print(
            f"human = the recorded scripted person ({result.human_s:.1f} s); KLM = the Keystroke-Level-Model "
            f"estimate ({result.klm_s:.1f} s). Report: {config.out / 'report.html'} "
            f"({time.monotonic() - started:.0f} s in all)"
        )
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def gaps(
    recordings: Annotated[list[Path], typer.Argument(help="Recordings of people doing the job (1..N).")],
    out: Annotated[Path, typer.Option("--out", help="Where index.html, report.json and crops/ go.")],
    sop: Annotated[
        Path | None,
        typer.Option(
            "--sop",
            help="The written procedure, Markdown or plain text (default: the one `record --sop` stored in the first recording).",
        ),
    ] = None,
    k: Annotated[
        int | None,
        typer.Option(
            "--k", help="Report undocumented steps seen in at least K recordings (default: a majority)."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Find the steps the written procedure forgot: what people do in the recordings that it never says.

    Aligns the procedure's steps with each recording's actions, read from the pixels (what was clicked, typed into or pressed, and where), and reports undocumented steps with screenshots, skipped steps and steps done in another order. A recording of another job is said not to match instead of getting gaps; exit code 1 if no recording matches.

    Example: deskhand gaps --sop refund.md rec1/ rec2/ rec3/ --out gaps-report/
    """
    from deskhand.gaps.finder import (
        GapsConfig,
        GapsError,
        find_gaps,
        procedure_of,
        read_recording,
        stored_procedure,
    )
    from deskhand.gaps.page import write_report
    from deskhand.vision.ocr import Ocr

    try:
        text = _read_text(sop) if sop else stored_procedure(recordings[0])
        procedure_of(text)  # a bad procedure is found before the recordings are read
        with console.status("starting") as status:
            ocr = Ocr()
            readings = []
            for n, path in enumerate(recordings, 1):
                status.update(f"reading recording {n}/{len(recordings)}: {path}")
                readings.append(read_recording(path, ocr))
            status.update("aligning the procedure with the recordings")
            report, crops = find_gaps(text, readings, GapsConfig(k=k))
            page = write_report(report, crops, out)
    except GapsError as e:
        fail(str(e))
    except OSError as e:
        fail(f"cannot write the report to {out}: {e}")
    if json_out:
        print(json.dumps({**report.to_dict(), "report": str(page)}, indent=2, ensure_ascii=False))
    else:
        _print_gaps(report)
        console.print(f"report: {page}")
    if not report.matches:
        raise typer.Exit(1)


def _print_gaps(report: GapReport) -> None:
    if not report.matches:
        console.print(f"[red]{report.verdict}[/]")
        for n, r in enumerate(report.recordings, 1):
            console.print(f"  recording {n} ({r.path}): {r.verdict}")
        return
    table = Table("#", "undocumented step", "where", "seen in", title=report.verdict)
    for n, g in enumerate(report.gaps, 1):
        where = f"after step {g.after_step}" if g.after_step else "before step 1"
        table.add_row(str(n), g.description, where, f"{g.recordings} of {report.n}")
    console.print(table)
    for s in report.skipped:
        console.print(f"[yellow]skipped[/] step {s.number} in {s.skipped_in} of {report.n}: {s.text}")
    for o in report.order:
        console.print(f"[yellow]out of order[/] step {o.step} in recording {o.recording + 1}: {o.text}")
    for n, r in enumerate(report.recordings, 1):
        if not r.matches:
            console.print(f"[yellow]left out[/] recording {n} ({r.path}): {r.verdict}")


bench_app = typer.Typer(help="Benchmarks over the scenario suite; each writes JSON to bench/results/.")
app.add_typer(bench_app, name="bench")


def _scenario_list(names: str) -> list[Scenario]:
    from deskhand.scenarios import scenarios

    suite = scenarios()
    chosen = [n.strip() for n in names.split(",") if n.strip()] if names else list(suite)
    unknown = [n for n in chosen if n not in suite]
    if unknown:
        fail(f"no scenario named {', '.join(unknown)}; there are {', '.join(suite)}")
    return [suite[n] for n in chosen]


def _bench_progress(status: object) -> Callable[[str], None]:
    def progress(message: str) -> None:
        console.log(message)
        status.update(message)  # type: ignore[attr-defined]

    return progress


@bench_app.command("speed")
def bench_speed(
    scenarios: Annotated[str, typer.Option("--scenarios", help="Comma-separated; all by default.")] = "",
    sizes: Annotated[str, typer.Option("--sizes", help="Screens to replay on.")] = "1920x1080",
    out: Annotated[Path, typer.Option("--out")] = Path("bench/results/speed.json"),
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Speed-up over every scenario against the recorded human and the KLM estimate, and the app-bound ratio.

    Example: deskhand bench speed --sizes 1920x1080,5120x2880
    """
    from deskhand.bench import speed
    from deskhand.demo import DemoError

    with clear_errors(), console.status("starting") as status:
        screens = [parse_size(s.strip()) for s in sizes.split(",") if s.strip()]
        try:
            result = speed(_scenario_list(scenarios), screens, out, _bench_progress(status))
        except DemoError as e:
            fail(str(e), code=1)
    if json_out:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    table = Table("scenario", "size", "result", "human s", "deskhand s", "vs human", "vs KLM", "app-bound")
    for r in result["runs"]:  # type: ignore[attr-defined]
        table.add_row(
            r["scenario"],
            r["size"],
            "[green]done[/]" if r["success"] else "[red]failed[/]",
            f"{r['human_s']:.1f}",
            f"{r['deskhand_s']:.2f}",
            f"{r['speedup_vs_recorded_human']}x" if r["speedup_vs_recorded_human"] else "-",
            f"{r['speedup_vs_klm']}x" if r["speedup_vs_klm"] else "-",
            str(r["app_bound_ratio"]),
        )
    console.print(table)
    console.print(f"summary: {result['summary']}; wrote {out}")


@bench_app.command("fleet")
def bench_fleet_cmd(
    cars: Annotated[int, typer.Option("--cars", help="Cars in the model.")] = 4_000_000,
    demand: Annotated[
        int, typer.Option("--demand", help="Concurrent sessions wanted in the model.")
    ] = 1_000_000,
    scripted_tasks: Annotated[
        int, typer.Option("--scripted-tasks", help="Scripted sessions under chaos.")
    ] = 200,
    real_tasks: Annotated[int, typer.Option("--real-tasks", help="Real refund sessions under chaos.")] = 200,
    workdir: Annotated[Path, typer.Option("--workdir", help="Scratch space for the chaos runs.")] = Path(
        "bench-fleet"
    ),
    out: Annotated[Path, typer.Option("--out")] = Path("bench/results/fleet.json"),
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """The fleet model at full scale, and chaos runs on local Ray: tasks lost, commits repeated, ledger.

    Example: deskhand bench fleet --real-tasks 20 --json
    """
    from deskhand.demo import DemoError
    from deskhand.fleet.bench import ChaosConfig, bench_fleet
    from deskhand.fleet.engine import FleetError
    from deskhand.fleet.simulate import SimConfig
    from deskhand.fleet.store import StoreError

    if min(cars, scripted_tasks) < 1 or min(demand, real_tasks) < 0:
        fail("--cars and --scripted-tasks must be 1 or more, --demand and --real-tasks 0 or more")
    workdir = workdir.resolve()
    if workdir.exists() and any(workdir.iterdir()):
        fail(f"{workdir}: not empty; give a new --workdir")
    # Ray prints its reports of the nodes the chaos kills to stdout: keep them, and progress, on stderr
    with clear_errors(), redirect_stdout(sys.stderr), console.status("starting") as status:
        try:
            result = bench_fleet(
                out,
                workdir,
                SimConfig(cars=cars, demand=demand),
                ChaosConfig(scripted_tasks, hosts=6, every_s=0.3, hard_share=0.3, notice_s=1.0),
                ChaosConfig(real_tasks, hosts=2, every_s=10.0, hard_share=0.5, notice_s=10.0),
                _bench_progress(status),
            )
        except (FleetError, StoreError, DemoError) as e:
            fail(str(e), code=1)
    if json_out:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for part in ("chaos_scripted", "chaos_real"):
        if part in result:
            console.print(f"{part}: {result[part]}")
    console.print(f"wrote {out}")


@bench_app.command("robustness")
def bench_robustness(
    scenario: Annotated[str, typer.Option("--scenario", help="Which scenario.")] = "credit",
    sizes: Annotated[
        str, typer.Option("--sizes", help="Screens, comma-separated.")
    ] = "640x480,1280x800,1920x1080,2560x1440,3840x2160,5120x2880",
    rows: Annotated[int, typer.Option("--rows", help="Input rows per cell of the matrix.")] = 5,
    out: Annotated[Path, typer.Option("--out")] = Path("bench/results/robustness.json"),
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Success, escalations and wrong actions over sizes x window moved x larger font.

    Example: deskhand bench robustness --scenario credit --rows 5
    """
    from deskhand.bench import robustness
    from deskhand.demo import DemoError

    with clear_errors(), console.status("starting") as status:
        screens = [parse_size(s.strip()) for s in sizes.split(",") if s.strip()]
        try:
            result = robustness(_scenario_list(scenario)[0], screens, rows, out, _bench_progress(status))
        except (DemoError, ValueError) as e:
            fail(str(e), code=1)
    if json_out:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    table = Table("size", "moved", "font", "success", "escalations", "wrong actions")
    for c in result["cells"]:  # type: ignore[attr-defined]
        table.add_row(
            c["size"],
            str(c["window_moved"]),
            str(c["font_scale"]),
            f"{c['success']}/{c['rows']}",
            str(c["escalations"]),
            str(c["wrong_actions"]),
        )
    console.print(table)
    console.print(f"summary: {result['summary']}; wrote {out}")


@bench_app.command("gaps")
def bench_gaps(
    scenarios: Annotated[str, typer.Option("--scenarios", help="Comma-separated; all by default.")] = "",
    seeds: Annotated[str, typer.Option("--seeds", help="One recording per seed, comma-separated.")] = "1,2",
    time_scale: Annotated[
        float, typer.Option("--time-scale", help="The scripted human's pace; 1 is full KLM pace.")
    ] = 0.2,
    out: Annotated[Path, typer.Option("--out")] = Path("bench/results/gaps.json"),
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Precision and recall of `deskhand gaps` on the planted omissions in the suite's procedures.

    Also runs every procedure against recordings of the other jobs, which must be said not to match.

    Example: deskhand bench gaps --seeds 1,2
    """
    from deskhand.gaps.bench import bench_gaps as run_bench

    try:
        chosen = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        fail(f"--seeds takes comma-separated integers, got {seeds!r}")
    if not chosen or time_scale <= 0:
        fail("give at least one seed and a positive --time-scale")
    with clear_errors(), console.status("starting") as status:
        try:
            result = run_bench(_scenario_list(scenarios), chosen, time_scale, out, _bench_progress(status))
        except RuntimeError as e:
            fail(str(e), code=1)
    if json_out:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    table = Table("scenario", "omitted", "found", "false +", "missed", "precision", "recall")
    for r in result["scenarios"]:  # type: ignore[attr-defined]
        table.add_row(
            r["scenario"],
            str(r["omitted"]),
            str(r["tp"]),
            str(r["fp"]),
            str(r["fn"]),
            str(r["precision"]),
            str(r["recall"]),
        )
    console.print(table)
    other = result["different_job"]
    console.print(
        f"overall: {result['overall']}; different jobs said not to match: "
        f"{other['said_does_not_match']}/{other['pairs']}; wrote {out}"  # type: ignore[index]
    )


# -- the MiniWoB++ pixel policy (issue 7) --------------------------------------------------------

MINIWOB_SUITE = Path("../shared/data/miniwob_dev_suite.txt")
MINIWOB_HUMANS = Path("../shared/data/miniwob_human.csv")
MINIWOB_DEMOS = Path.home() / ".cache" / "deskhand" / "miniwob-demos"


def _miniwob_weights() -> Path:
    from deskhand.policy import weights

    return weights.DEFAULT


def _check_weights_writable(path: Path) -> None:
    """Fail now, by name, if `path` could not be written: its folder is made if need be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if (
            path.is_dir()
            or not os.access(path.parent, os.W_OK)
            or (path.exists() and not os.access(path, os.W_OK))
        ):
            raise PermissionError("not a writable file")
    except OSError as e:
        fail(f"cannot write the weights to {path}: {e}")


def _read_tasks(path: Path) -> list[str]:
    """The task list's names, each one checked before any browser starts."""
    from deskhand.policy.miniwob import UnknownTaskError, check_tasks

    try:
        names = [t.strip() for t in path.read_text().splitlines() if t.strip() and not t.startswith("#")]
        check_tasks(names)
    except OSError as e:
        fail(f"cannot read the task list {path}: {e}")
    except UnknownTaskError as e:
        fail(f"{path}: {e}")
    return names


@app.command()
def train(
    tasks: Annotated[Path, typer.Option("--tasks", help="One MiniWoB task a line.")] = MINIWOB_SUITE,
    demos: Annotated[
        Path,
        typer.Option(
            "--demos",
            help="Where expert demonstrations are recorded (<task>/<seed>/ Recordings) and packed (<task>.npz).",
        ),
    ] = MINIWOB_DEMOS,
    episodes: Annotated[int, typer.Option("--episodes", help="Expert episodes per task.")] = 200,
    min_rows: Annotated[
        int,
        typer.Option(
            "--min-rows",
            help="More episodes for a task with fewer rows than this (short episodes need more layouts).",
        ),
    ] = 1500,
    max_episodes: Annotated[
        int, typer.Option("--max-episodes", help="The most episodes --min-rows may ask for.")
    ] = 1000,
    minutes: Annotated[
        float, typer.Option("--minutes", help="Training time budget, after the inputs are prepared.")
    ] = 25.0,
    jobs: Annotated[
        int, typer.Option("--jobs", min=1, help="Tasks recorded at once, each with its own browser.")
    ] = 2,
    out: Annotated[
        Path | None, typer.Option("--out", help="Weights file; the shipped one by default.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a summary as JSON.")] = False,
) -> None:
    """Train the pixel policy on expert demonstrations (training seeds < 1,000,000) of the tasks that have an expert.

    Demonstrations are recorded once per task as Recordings in --demos/<task>/<seed>/ and packed into
    --demos/<task>.npz; the model never sees the task id.

    Example: deskhand train --tasks ../shared/data/miniwob_dev_suite.txt --minutes 20
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed

    import numpy as np

    from deskhand.policy import demos as demo_io
    from deskhand.policy.experts import EXPERTS
    from deskhand.policy.miniwob import BrowserError
    from deskhand.policy.model import parameter_count
    from deskhand.policy.recordings import episode_dirs
    from deskhand.policy.train import TrainConfig, hardware_bf16, save_net
    from deskhand.policy.train import train as fit
    from deskhand.record.format import RecordingError

    chosen = _read_tasks(tasks)
    target = out or _miniwob_weights()
    _check_weights_writable(target)  # before the demonstrations and the training, not after them
    with_expert = [t for t in chosen if t in EXPERTS]
    parts, stats, demonstrated = [], {}, []
    with console.status("demonstrations") as status:
        with ProcessPoolExecutor(jobs) as pool:  # each task its own browser
            futures = {
                pool.submit(demo_io.record_task, task, demos, episodes, min_rows, max_episodes): task
                for task in with_expert
            }
            for done, future in enumerate(as_completed(futures), 1):
                try:
                    s = future.result()
                except (RecordingError, BrowserError) as e:
                    for other in futures:  # the tasks not started yet
                        other.cancel()
                    fail(str(e))
                if s is not None:
                    stats[futures[future]] = {
                        "expert_success": s.successes / max(s.episodes, 1),
                        "rows": s.rows,
                    }
                status.update(f"demonstrations: {done}/{len(with_expert)} tasks ready, {jobs} at a time")
        for task in with_expert:
            if not episode_dirs(demos, task):
                continue
            try:
                part = demo_io.load_task(demos, task)
            except RecordingError as e:
                fail(str(e))
            parts.append(part)
            if len(part):
                demonstrated.append(task)
        data = demo_io.concat(parts)
        status.update(f"preparing {len(data)} rows, then training for {minutes} min")
        losses: list[float] = []

        def on_step(step: int, loss: float) -> None:
            losses.append(loss)
            if step % 50 == 0:
                recent = losses[-50:]
                status.update(
                    f"training on {len(data)} rows: step {step}, loss {sum(recent) / len(recent):.3f}"
                )

        # each task weighs the square root of its rows: long episodes count, but do not crowd out short ones
        weights = np.concatenate([np.full(len(p), 1 / np.sqrt(len(p))) for p in parts if len(p)])
        started = time.monotonic()
        net = fit(data, TrainConfig(minutes=minutes), on_step=on_step, weights=weights)
        seconds = time.monotonic() - started
    try:
        save_net(net, target, demonstrated)
    except OSError as e:
        fail(f"cannot write the weights to {target}: {e}")
    summary = {
        "tasks": with_expert,
        "no_expert": [t for t in chosen if t not in EXPERTS],
        "rows": len(data),
        "steps": len(losses),
        "train_seconds": round(seconds, 1),  # inputs prepared and trained, demonstrations aside
        "final_loss": sum(losses[-50:]) / max(len(losses[-50:]), 1),
        "parameters": parameter_count(net),
        "bf16": hardware_bf16(),  # the forward pass in bfloat16 (TrainConfig's default)
        "weights": str(target),
        "new_demos": stats,
    }
    if json_out:
        print(json.dumps(summary, indent=2))
    else:
        console.print(
            f"trained on {len(with_expert)} tasks, {len(data)} rows, {len(losses)} steps in {seconds / 60:.1f} min, "
            f"final loss {summary['final_loss']:.3f}, {summary['parameters']:,} parameters -> {target}"
        )


@bench_app.command("miniwob")
def bench_miniwob(
    tasks: Annotated[Path, typer.Option("--tasks", help="One MiniWoB task a line.")] = MINIWOB_SUITE,
    episodes: Annotated[
        int, typer.Option("--episodes", min=1, help="Seeds per task, from 1201539860.")
    ] = 100,
    humans: Annotated[Path, typer.Option("--humans", help="People's success and times.")] = MINIWOB_HUMANS,
    weights: Annotated[Path | None, typer.Option("--weights", help="The shipped weights by default.")] = None,
    timer: Annotated[
        bool, typer.Option("--timer/--no-timer", help="Keep MiniWoB's own episode timers.")
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            min=1,
            help="Tasks at once, each with its own browser and torch thread; times are fairest at 1.",
        ),
    ] = 1,
    demos: Annotated[
        Path,
        typer.Option(
            "--demos",
            help="The demonstrations trained on, to note tasks that had none, for weights that do not list them.",
        ),
    ] = MINIWOB_DEMOS,
    out: Annotated[Path, typer.Option("--out")] = Path("bench/results/miniwob.json"),
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """The pixel policy on unseen seeds of each task, against people's success and median time.

    Every listed task is run, also one the policy has no demonstrations of (its note says so).

    Example: deskhand bench miniwob --episodes 100 --json
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from deskhand.policy import bench
    from deskhand.policy.experts import EXPERTS
    from deskhand.policy.miniwob import BrowserError
    from deskhand.policy.model import parameter_count
    from deskhand.policy.recordings import episode_dirs
    from deskhand.policy.train import WeightsError, hardware_bf16, load_net, trained_tasks

    path = weights or _miniwob_weights()
    if not path.exists():
        fail(f"no weights at {path}; run `deskhand train` first")
    import torch

    torch.set_num_threads(1)
    try:
        net = load_net(path)
    except WeightsError as e:
        fail(str(e))
    extra = {
        "protocol": {
            "episodes": episodes,
            "first_seed": 1201539860,
            "max_steps": 30,
            "timer": timer,
            "success": "raw reward > 0",
            "observation": "screenshot + utterance only",
            "actions": "coordinate mouse, keys, typed text (no element or DOM actions)",
        },
        "speed_baselines": bench.BASELINES,
        "parameters": parameter_count(net),
        "torch_threads": 1,
        "inference_bf16": hardware_bf16(),  # the net's pass in bfloat16 where the CPU has it (NetPolicy)
        "inference_isolated": "per task, its first 5 episodes replayed on one thread, the browser closed: "
        "isolated_inference_ms is the median of 200 first steps, each episode's first screen in turn; "
        "isolated_step_ms the mean of at least 200 steps, whole episodes in turn, where a step matches "
        "words again only where the screen changed; the median and range of each over the tasks",
        "weights": str(path),
    }
    try:
        people = bench.read_humans(humans) if humans.exists() else {}
    except (OSError, ValueError) as e:
        fail(str(e))
    chosen = _read_tasks(tasks)
    demonstrated = trained_tasks(path)  # older weights do not say: ask the demonstrations, if any are here
    if demonstrated is None and demos.exists():
        demonstrated = {t for t in chosen if episode_dirs(demos, t)}
    finished: dict[str, bench.TaskResult] = {}

    def results(pending: str) -> list[bench.TaskResult]:
        return [
            finished[t] if t in finished else bench.not_attempted(t, people.get(t), pending) for t in chosen
        ]

    def write(doc: dict[str, object]) -> None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(doc, indent=2) + "\n")
        except OSError as e:
            fail(f"cannot write the results to {out}: {e}")

    # an --out that cannot be written is found now, not once the first task has run
    write(bench.report(results("not started"), extra))
    with (
        console.status(f"{len(chosen)} tasks, {jobs} at a time") as status,
        ProcessPoolExecutor(jobs, max_tasks_per_child=1) as pool,  # each task in a fresh process
    ):
        futures = {pool.submit(bench.evaluate_weights, t, path, episodes, timer): t for t in chosen}
        for future in as_completed(futures):
            task = futures[future]
            try:
                episodes_run, alone = future.result()
            except BrowserError as e:
                for other in futures:  # the tasks not started yet
                    other.cancel()
                fail(str(e))
            finished[task] = bench.summarize(task, episodes_run, people.get(task), alone)
            if demonstrated is not None and task not in demonstrated:
                note = "no demonstrations of this task were trained on" + (
                    "" if task in EXPERTS else " (no expert)"
                )
                finished[task] = dataclasses.replace(finished[task], note=note)
            console.log(f"{task}: success {finished[task].success:.2f}")
            status.update(f"{len(finished)}/{len(chosen)} tasks done")
            write(
                bench.report(results("not finished in this run"), extra)
            )  # a stopped run still leaves figures
    rows = results("not finished in this run")
    doc = bench.report(rows, extra)
    write(doc)
    if json_out:
        print(json.dumps(doc, indent=2))
        return
    table = Table(
        "task",
        "success",
        "steps",
        "episode s",
        "won s",
        "people",
        "people s",
        "people/ours",
        "KLM/ours",
        "infer ms",
        "alone ms",
        "first ms",
    )

    def num(value: float | None, form: str) -> str:
        return format(value, form) if value is not None else ""

    for r in rows:
        if not r.attempted:
            table.add_row(
                r.task, "not attempted", "", "", "", num(r.human_success, ".2f"), num(r.human_median_s, "g")
            )
            continue
        table.add_row(
            r.task,
            num(r.success, ".2f"),
            num(r.mean_steps, ".1f"),
            num(r.mean_episode_s, ".3f"),
            num(r.median_success_s, ".3f"),
            num(r.human_success, ".2f"),
            num(r.human_median_s, "g"),
            num(r.human_over_ours_success, ".1f") + ("x" if r.human_over_ours_success else ""),
            num(r.klm_over_ours_success, ".1f") + ("x" if r.klm_over_ours_success else ""),
            num(r.mean_inference_ms, ".2f"),
            num(r.isolated_step_ms, ".2f"),
            num(r.isolated_inference_ms, ".2f"),
        )
    console.print(table)
    console.print(
        "episode s: our mean over all episodes; won s: our median over successful ones. people/ours: people's "
        "median successful episode (the MiniWoB++ demonstrations) over won s; KLM/ours: the Keystroke-Level-Model "
        "time of the same actions over won s. infer ms: a step's inference in the episodes, beside the browser; "
        "alone ms: a step of the task's first episodes replayed once the browser is closed, first ms: "
        "their first step, the whole screen new (medians over the tasks "
        f"{num(doc['step_ms_median_isolated'], '.2f')} and {num(doc['inference_ms_median_isolated'], '.2f')} ms)."
    )
    console.print(f"written to {out}")


fleet_app = typer.Typer(
    help="Many emulator sessions on leased, part-time hosts, placed by Ray: run a job, read the ledger, "
    "shed load for the grid, model a fleet."
)
app.add_typer(fleet_app, name="fleet")

STORE_HELP = (
    "The fleet's state: an SQLite file, or a postgresql:// URL (its password from PGPASSWORD or ~/.pgpass)."
)


def _fleet_store(db: str, must_exist: bool = False) -> Store:
    """Open the fleet's state, or exit 2 with one line saying why not."""
    from deskhand.fleet.store import StoreError, open_store

    is_url = db.startswith(("postgresql://", "postgres://"))
    if must_exist and not is_url and not Path(db.removeprefix("sqlite:///")).is_file():
        fail(f"{db}: no fleet database here; `deskhand fleet run` creates one")
    try:
        return open_store(db)
    except StoreError as e:
        fail(str(e))


@fleet_app.command("run")
def fleet_run(
    job_file: Annotated[Path, typer.Argument(help="A job YAML: skill, scenario, input rows, hosts.")],
    db: Annotated[str, typer.Option("--db", help=STORE_HELP + " Created if new.")] = "fleet.db",
    workdir: Annotated[
        Path, typer.Option("--workdir", help="Checkpoints and app stores; shared storage on a cluster.")
    ] = Path("fleet-work"),
    address: Annotated[
        str | None, typer.Option("--address", help="Join this Ray cluster (default: embedded local Ray).")
    ] = None,
    rate: Annotated[int, typer.Option("--rate", help="Owner pay, whole cents per leased hour.")] = 100,
    notice: Annotated[float, typer.Option("--notice", help="Seconds a reclaimed host has to drain.")] = 30.0,
    reclaim_every: Annotated[
        float, typer.Option("--reclaim-every", help="Chaos: reclaim a busy host every N seconds (0: never).")
    ] = 0.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for --reclaim-every.")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary and ledger as JSON.")] = False,
) -> None:
    """Run every row of a job as its own emulator session on the fleet's hosts, surviving reclaims.

    A reclaimed host drains: its sessions stop at their last verified step and resume on another
    host from the checkpoint; non-idempotent steps are never repeated. Running the same job again
    goes on from where the last run stopped. A grid shed left by `deskhand fleet shed` on the same
    --db is applied within 5 s. Exit code 1: some task escalated or failed.

    Example: deskhand fleet run refunds.yaml --db fleet.db --reclaim-every 20
    """
    import random

    from deskhand.fleet.engine import Engine, EngineConfig, FleetError, cluster_hosts, start_ray
    from deskhand.fleet.jobfile import JobError, load_job
    from deskhand.fleet.ledger import ledger
    from deskhand.fleet.session import ScenarioSession
    from deskhand.fleet.store import StoreError
    from deskhand.learn.skill import SkillError, check_skill
    from deskhand.scenarios import scenarios

    try:
        job = load_job(job_file)
        check_skill(Path(job.skill))
    except (JobError, SkillError) as e:
        fail(str(e))
    store = _fleet_store(db)
    if job.scenario not in scenarios():
        fail(f"{job_file}: no scenario named {job.scenario!r}; there are {', '.join(scenarios())}")
    import ray

    try:
        start_ray(job.hosts, address)
    except (ConnectionError, RuntimeError, ValueError) as e:
        fail(f"cannot start or reach Ray{f' at {address}' if address else ''}: {str(e).splitlines()[0]}")
    hosts = cluster_hosts(job.hosts) if address else list(job.hosts)
    if not hosts:
        fail(
            "no hosts: list them under `hosts:` in the job file, or start Ray nodes with "
            "--resources '{\"deskhand-host-ID\": 1}' --labels owner=NAME"
        )
    rng = random.Random(seed)
    next_at = [0.0]

    def chaos(engine: Engine) -> None:
        now = engine.clock()
        if now < next_at[0]:
            return
        next_at[0] = now + reclaim_every
        busy = sorted({s.host for s in engine.live.values()})
        for host in hosts:
            engine.restore(host.id)
        if busy:
            engine.reclaim(rng.choice(busy))

    session = ScenarioSession(job.scenario, job.skill, str(workdir.resolve() / "apps"))
    config = EngineConfig(workdir.resolve(), rate_cents_per_hour=rate, notice_s=notice)
    engine = Engine(
        store,
        session,
        hosts,
        config,
        chaos=chaos if reclaim_every > 0 else None,
        membership=(lambda: cluster_hosts(job.hosts)) if address else None,  # follow nodes joining and dying
    )
    try:
        with console.status(f"fleet: {len(job.rows)} tasks on {len(hosts)} hosts"):
            summary = engine.run(job)
    except (FleetError, StoreError) as e:
        fail(str(e), code=1)
    finally:
        ray.shutdown()
    book = ledger(store, rate)
    if json_out:
        print(json.dumps({"summary": summary.to_dict(), "ledger": book.to_dict()}, indent=2))
    else:
        table = Table(
            "tasks", "done", "escalated", "failed", "attempts", "drained", "lost", "reclaims", "wall s"
        )
        s = summary
        table.add_row(
            *map(
                str,
                (s.tasks, s.done, s.escalated, s.failed, s.attempts, s.drained, s.lost, s.reclaims, s.wall_s),
            )
        )
        console.print(table)
        _print_ledger(book)
    if summary.done < summary.tasks:
        raise typer.Exit(1)


def _print_ledger(book: object) -> None:
    from deskhand.fleet.ledger import Ledger

    assert isinstance(book, Ledger)
    table = Table(
        "owner", "leases", "leased s", "sessions", "payout", title=f"at {book.rate_cents_per_hour} ¢/h"
    )
    for o in book.owners:
        table.add_row(
            o.owner,
            str(o.leases),
            f"{o.leased_s:.1f}",
            str(o.sessions),
            f"{o.cents // 100}.{o.cents % 100:02d}",
        )
    console.print(table)
    verdict = (
        "[green]balanced[/]" if book.balanced else "[red]does not balance:[/] " + "; ".join(book.problems)
    )
    console.print(f"total {book.total_cents} cents; {verdict}")


@fleet_app.command("ledger")
def fleet_ledger(
    db: Annotated[str, typer.Option("--db", help=STORE_HELP)] = "fleet.db",
    rate: Annotated[int, typer.Option("--rate", help="Owner pay, whole cents per leased hour.")] = 100,
    json_out: Annotated[bool, typer.Option("--json", help="Print the ledger as JSON.")] = False,
) -> None:
    """Per owner: leased seconds, sessions run and payout in whole cents; and whether it balances.

    Exit code 1: the ledger does not balance (an open lease, an unpaid lease, work outside a lease).

    Example: deskhand fleet ledger --db fleet.db --rate 90 --json
    """
    from deskhand.fleet.ledger import ledger
    from deskhand.fleet.store import StoreError

    if rate < 0:
        fail("--rate must be 0 or more whole cents per hour")
    store = _fleet_store(db, must_exist=True)
    try:
        book = ledger(store, rate)
    except StoreError as e:
        fail(str(e))
    finally:
        store.close()
    if json_out:
        print(json.dumps(book.to_dict(), indent=2))
    else:
        _print_ledger(book)
    if not book.balanced:
        raise typer.Exit(1)


@fleet_app.command("shed")
def fleet_shed(
    share: Annotated[float, typer.Option("--share", help="Share of running sessions to stop, in (0, 1].")],
    hold: Annotated[
        float, typer.Option("--hold", help="Seconds no more sessions start than were left running.")
    ] = 30.0,
    db: Annotated[str, typer.Option("--db", help=STORE_HELP)] = "fleet.db",
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait (5 s at most) for a running fleet to apply it.")
    ] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print the request as JSON.")] = False,
) -> None:
    """Grid demand response: a running `deskhand fleet run` on --db stops --share of its sessions.

    It picks the sessions cheapest to stop (least progress lost); they stop at a step boundary
    within 5 s and resume later from their checkpoints. The request waits in the fleet's state until
    a run takes it, or until its hold is over. Exit code 1: no running fleet took it within 5 s.

    Example: deskhand fleet shed --share 0.25 --hold 60 --db fleet.db
    """
    from dataclasses import asdict

    from deskhand.fleet.policy import SHED_DEADLINE_S
    from deskhand.fleet.store import StoreError, check_shed, redact

    try:
        check_shed(share, hold)
    except StoreError as e:
        fail(str(e).replace("a shed share", "--share").replace("a shed hold", "--hold"))
    store = _fleet_store(db, must_exist=True)
    try:
        request = store.request_shed(share, hold, int(time.time() * 1000))
        give_up = time.monotonic() + (SHED_DEADLINE_S if wait else 0.0)
        while True:
            (seen,) = [r for r in store.sheds() if r.id == request]
            if seen.tasks is not None or time.monotonic() >= give_up:
                break
            time.sleep(0.1)
    except StoreError as e:
        fail(str(e))
    finally:
        store.close()
    if json_out:
        print(json.dumps(asdict(seen), indent=2))
    elif seen.tasks is not None:
        console.print(
            f"shed {request}: {len(seen.tasks)} sessions stopping within {SHED_DEADLINE_S:.0f} s"
            f"{' (tasks ' + ', '.join(map(str, seen.tasks)) + ')' if seen.tasks else ''}; held for {hold:g} s"
        )
    else:
        console.print(
            f"shed {request}: left for a running `deskhand fleet run` on {redact(db)} (until its hold ends)"
        )
    if wait and seen.tasks is None:
        fail(f"no running fleet on {redact(db)} took shed {request} within {SHED_DEADLINE_S:.0f} s", code=1)


@fleet_app.command("simulate")
def fleet_simulate(
    cars: Annotated[int, typer.Option("--cars", help="Cars in the region.")] = 4_000_000,
    hw4_share: Annotated[float, typer.Option("--hw4-share", help="Share with Hardware 4 (can host).")] = 0.5,
    opt_in: Annotated[float, typer.Option("--opt-in", help="Share of HW4 owners who lease.")] = 0.6,
    demand: Annotated[int, typer.Option("--demand", help="Concurrent sessions wanted all day.")] = 1_000_000,
    plug_home: Annotated[float, typer.Option("--plug-home", help="Share who plug in at home.")] = 0.7,
    min_battery: Annotated[float, typer.Option("--min-battery", help="Owners' battery floor.")] = 0.5,
    rate: Annotated[int, typer.Option("--rate", help="Owner pay, cents per leased hour.")] = 30,
    cloud_price: Annotated[int, typer.Option("--cloud-price", help="A cloud VM, cents per hour.")] = 20,
    step_minutes: Annotated[int, typer.Option("--step-minutes", help="Time step of the model.")] = 10,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON here.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """A MODEL of a day of a car fleet hosting sessions: served, shortfall, evictions, payouts.

    It runs the fleet's own owner rule and placement over numpy arrays of cars; car behaviour comes
    from assumptions printed with every result. It is not a measurement.

    Example: deskhand fleet simulate --cars 4000000 --hw4-share 0.5 --demand 1000000 --json
    """
    from deskhand.fleet.simulate import ASSUMPTIONS, SimConfig, simulate

    shares = {
        "--hw4-share": hw4_share,
        "--opt-in": opt_in,
        "--plug-home": plug_home,
        "--min-battery": min_battery,
    }
    bad = [k for k, v in shares.items() if not 0.0 <= v <= 1.0]
    if bad:
        fail(f"{', '.join(bad)} must be within 0..1")
    if cars < 1 or demand < 0 or rate < 0 or cloud_price < 0 or not 1 <= step_minutes <= 120:
        fail("--cars must be 1 or more, --demand/--rate/--cloud-price 0 or more, --step-minutes 1..120")
    config = SimConfig(
        cars=cars, hw4_share=hw4_share, opt_in=opt_in, demand=demand, plug_home=plug_home,
        min_battery=min_battery, rate_cents_per_hour=rate, cloud_cents_per_hour=cloud_price,
        step_min=step_minutes, seed=seed,
    )  # fmt: skip
    with console.status(f"modelling {cars:,} cars over 24 h"):
        result = simulate(config).to_dict()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
    if json_out:
        print(json.dumps(result, indent=2))
        return
    table = Table("figure", "value", title="MODEL (not a measurement): one day")
    for key, value in result.items():
        if key not in ("model", "assumptions", "config"):
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    console.print("assumptions:\n" + "\n".join(f"  - {a}" for a in ASSUMPTIONS))


if __name__ == "__main__":
    app()
