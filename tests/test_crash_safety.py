"""Indexing killed with SIGKILL at random points, and two indexers at once, in real processes.

Each run is a process forked from a zygote (tests/crashkit.py) that writes to a real embedded
Chroma store on disk; the zygote SIGKILLs it after a random delay. A fresh process then reads
the store as the chat would. The embedder in those processes is a deterministic stand-in (see
crashkit's docstring): the property under test is the store's write protocol.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.chunk import chunk_article
from index.config import BUNDLED_CORPUS
from index.parse import load_corpus
from rag.config import Settings

pytestmark = pytest.mark.integration

RANDOM_KILLS = 20  # SIGKILLed indexers at random points, on top of the boundary runs
KILLS_PER_ITERATION = 2
BATCH = 4  # small upsert batches: many intermediate states to be killed in
EMBED_DELAY = 0.01  # per batch, so a sync lasts long enough to be killed at varied points


class Zygote:
    """Client of the crashkit fork server."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("crashkit.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self.proc.stdout is not None
        assert "ready" in json.loads(self.proc.stdout.readline())
        self.calls = 0

    def send(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.calls += 1
        cmd.setdefault("out", str(self.workdir / f"out-{self.calls}.json"))
        cmd.setdefault("batch", BATCH)
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the zygote died"
        return dict(json.loads(line))

    def run(self, **cmd: Any) -> dict[str, Any]:
        """Run a command to completion; return its result (fails on a child error)."""
        answer = self.send(**cmd)
        assert answer["status"] == 0 and answer["result"] and "ok" in answer["result"], answer
        return dict(answer["result"]["ok"])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    server = Zygote(tmp_path_factory.mktemp("zygote"))
    yield server
    server.close()


def _view(corpus: Path) -> list[list[Any]]:
    """What the store must show for ``corpus``: [chunk id, text, metadata] per chunk."""
    settings = Settings(corpus_dir=corpus)
    rows = [
        [c.chunk_id, c.text, c.metadata()]
        for article in load_corpus(corpus, settings).articles
        for c in chunk_article(article, settings.max_chunk_tokens)
    ]
    return sorted(rows, key=lambda r: (r[2]["article_id"], r[2]["paragraph"], r[2]["part"]))


def _make_corpora(root: Path) -> tuple[Path, Path, Path]:
    """Corpus A (the bundled one); B: one article edited throughout, one paragraph edited
    elsewhere, one article deleted, one added; C: other articles edited and deleted."""
    a, b, c = root / "A", root / "B", root / "C"
    for folder in (a, b, c):
        shutil.copytree(BUNDLED_CORPUS, folder)
    edited = c / "002_85cd408fc1a49feb.txt"
    blocks = edited.read_text(encoding="utf-8").split("\n\n")
    edited.write_text("\n\n".join(f"Mise à jour : {x.strip()}" for x in blocks), "utf-8")
    (c / "000_91bb73b3830eaf78.txt").unlink()
    edited = b / "001_8070831bbb14d085.txt"
    blocks = edited.read_text(encoding="utf-8").split("\n\n")
    edited.write_text("\n\n".join(f"{x.rstrip()} (mis à jour)" for x in blocks), encoding="utf-8")
    one = b / "000_91bb73b3830eaf78.txt"
    one.write_text(one.read_text(encoding="utf-8").replace("28 points", "29 points", 1), "utf-8")
    (b / "003_a146349f20264553.txt").unlink()
    source = (BUNDLED_CORPUS / "002_85cd408fc1a49feb.txt").read_text(encoding="utf-8")
    (b / "004_nouveau.txt").write_text(
        "\n\n".join(f"Selon nos informations, {x.strip()}" for x in source.split("\n\n")), "utf-8"
    )
    return a, b, c


def _check_exact(inspected: dict[str, Any], expected: list[list[Any]]) -> None:
    assert inspected["visible"] == expected
    assert inspected["duplicates"] == [] and inspected["foreign"] == 0
    assert inspected["dense_outside_view"] == []
    keys = Counter((m["article_id"], m["paragraph"], m["part"]) for _, _, m in inspected["visible"])
    assert max(keys.values()) == 1


def _stages(log: Path) -> list[tuple[float, str]]:
    rows = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    return [(float(ts), message) for ts, message in rows]


class KillBench:
    """Copies a prepared store, kills an indexer in it, checks what a reader then sees."""

    def __init__(self, zygote: Zygote, root: Path) -> None:
        self.zygote = zygote
        self.root = root
        corpus_a, corpus_b, corpus_c = _make_corpora(root)
        self.corpus = {"A": corpus_a, "B": corpus_b, "C": corpus_c}
        self.view = {name: _view(path) for name, path in self.corpus.items()}
        assert len({json.dumps(v) for v in self.view.values()}) == 3
        self.base = {"A": root / "base-A", "B": root / "base-B"}
        zygote.run(op="sync", data_dir=str(self.base["A"]), corpus=str(corpus_a))
        shutil.copytree(self.base["A"], self.base["B"])
        zygote.run(op="sync", data_dir=str(self.base["B"]), corpus=str(corpus_b))
        self.runs = 0
        self.outcomes: Counter[str] = Counter()

    def args(self, data: Path, target: str) -> dict[str, Any]:
        return {"data_dir": str(data), "corpus": str(self.corpus[target]), "delay": EMBED_DELAY}

    def fresh(self, source: str) -> Path:
        self.runs += 1
        data = self.root / f"run-{self.runs}"
        shutil.copytree(self.base[source], data)
        return data

    def kill(self, data: Path, source: str, target: str, rebuild: bool, **how: Any) -> str:
        """One indexer run towards ``target``, SIGKILLed as ``how`` says; returns the outcome."""
        log = self.root / f"stages-{self.runs}-{self.zygote.calls}.log"
        answer = self.zygote.send(
            op="sync", rebuild=rebuild, stage_log=str(log), **how, **self.args(data, target)
        )
        assert answer["killed"] or answer["status"] == 0, answer
        seen = self.zygote.run(op="inspect", **self.args(data, target))
        # Readers see one complete state: the old one, or the new one once committed.
        assert seen["duplicates"] == [] and seen["dense_outside_view"] == []
        assert seen["foreign"] == 0
        if seen["visible"] == self.view[target]:
            outcome = "new state"
        elif rebuild and not seen["visible"] and seen["generation"] == 0:
            outcome = "empty (rebuild killed between drop and rename)"
        else:
            assert seen["visible"] == self.view[source], (how, answer)
            outcome = "old state"
        self.outcomes[outcome] += 1
        if answer["killed"]:
            stages = _stages(log) if log.exists() else []
            where = stages[-1][1].split(" ")[1] if stages else "start-up"
            self.outcomes[f"killed after: {where}"] += 1
            self.outcomes["killed"] += 1
        return outcome

    def finish(self, data: Path, target: str, rebuild: bool) -> dict[str, Any]:
        self.zygote.run(op="sync", rebuild=rebuild, **self.args(data, target))
        done = self.zygote.run(op="inspect", **self.args(data, target))
        _check_exact(done, self.view[target])
        assert done["pending"] == 0 and done["garbage"] == 0
        return done


@pytest.fixture(scope="module")
def bench(zygote: Zygote, tmp_path_factory: pytest.TempPathFactory) -> KillBench:
    return KillBench(zygote, tmp_path_factory.mktemp("kills"))


def test_an_indexer_killed_at_each_write_boundary_leaves_a_whole_state(bench: KillBench) -> None:
    start = Counter(bench.outcomes)
    for source, target, rebuild in (("A", "B", False), ("B", "A", False), ("A", "B", True)):
        data = bench.fresh(source)
        log = bench.root / f"timed-{source}{target}{rebuild}.log"
        bench.zygote.run(op="sync", rebuild=rebuild, stage_log=str(log), **bench.args(data, target))
        messages = [m for _, m in _stages(log)]
        embedded = [m for m in messages if m.startswith("sync: embedded")]
        boundaries = [m for m in messages if not m.startswith("sync: embedded")] + embedded[:1]
        boundaries += embedded[len(embedded) // 2 : len(embedded) // 2 + 1] + embedded[-1:]
        committed = swapped = False
        for stage in messages:
            if stage not in boundaries or stage == "sync: done":
                continue
            data = bench.fresh(source)
            prefix = "sync: lock acquired" if stage.startswith("sync: lock") else stage
            outcome = bench.kill(data, source, target, rebuild, die_at=prefix)
            committed = committed or stage.startswith("sync: committed")
            swapped = swapped or "swapped" in stage
            if stage == "sync: live collection dropped":
                assert outcome.startswith("empty"), stage
            elif rebuild:
                # A rebuild shows the new state once swapped in, not at its staging commit.
                assert outcome == ("new state" if swapped else "old state"), stage
            else:
                assert outcome == ("new state" if committed else "old state"), stage
            bench.finish(data, target, rebuild)
        if source == "B":
            # Reverting revives the superseded rows: nothing to re-embed.
            assert not any("embedded" in m for m in messages)
    print(f"\nboundary kills: {dict(bench.outcomes - start)}")


def test_indexers_sigkilled_at_random_points_then_rerun_give_the_exact_corpus(
    bench: KillBench,
) -> None:
    data = bench.fresh("A")
    log = bench.root / "timed-random.log"
    started = time.monotonic()
    bench.zygote.run(op="sync", stage_log=str(log), **bench.args(data, "B"))
    whole = time.monotonic() - started
    stages = _stages(log)
    body = stages[-1][0] - stages[0][0]  # lock acquired -> done
    rng = random.Random(8)
    before = bench.outcomes["killed"]
    start = Counter(bench.outcomes)
    window = body
    iteration = 0
    while bench.outcomes["killed"] - before < RANDOM_KILLS and iteration < 3 * RANDOM_KILLS:
        # Both directions re-embed a third of the corpus or more, so there is work to kill.
        source, target = ("A", "B") if iteration % 2 == 0 else ("A", "C")
        rebuild = iteration % 5 == 4
        iteration += 1
        data = bench.fresh(source)
        kills = attempt = 0
        while kills < KILLS_PER_ITERATION and attempt < 4 * KILLS_PER_ITERATION:
            attempt += 1
            if attempt % 3 == 0:  # now and then, anywhere from process start
                how: dict[str, Any] = {"kill_after": rng.uniform(0.0, whole)}
            else:
                how = {"kill_after": rng.uniform(0.0, window), "kill_from": "lock acquired"}
            killed = bench.outcomes["killed"]
            outcome = bench.kill(data, source, target, rebuild, **how)
            if bench.outcomes["killed"] > killed:
                kills += 1
                window *= 1.1
            elif "kill_from" in how:  # the run ended first: aim earlier (machine speed varies)
                window *= 0.6
            if outcome == "new state":  # synced: the next run would have nothing to do
                bench.finish(data, target, rebuild)
                data = bench.fresh(source)
        done = bench.finish(data, target, rebuild)
        if iteration == 1:  # an unchanged corpus is a no-op: nothing embedded, no new commit
            again = bench.zygote.run(op="sync", **bench.args(data, target))
            assert again["embedded_chunks"] == 0 and again["generation"] == done["generation"]
    killed = bench.outcomes["killed"] - before
    print(f"\nrandom kills: {killed}; runs: {dict(bench.outcomes - start)}")
    assert killed >= RANDOM_KILLS
    assert bench.outcomes["old state"] > 0 and bench.outcomes["new state"] > 0


def _intervals(log: Path) -> tuple[float, float]:
    lines = log.read_text(encoding="utf-8").splitlines()
    start = next(float(x.split()[0]) for x in lines if "lock acquired" in x)
    end = next(float(x.split()[0]) for x in lines if x.endswith("sync: releasing the lock"))
    return start, end


def test_two_indexers_on_one_data_dir_run_one_after_the_other(
    zygote: Zygote, tmp_path: Path
) -> None:
    data = str(tmp_path / "data")
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    pids = [
        zygote.send(
            op="sync",
            data_dir=data,
            corpus=str(BUNDLED_CORPUS),
            delay=0.1,
            stage_log=str(log),
            background=True,
        )["pid"]
        for log in logs
    ]
    results = [zygote.send(op="reap", pid=pid)["result"]["ok"] for pid in pids]
    assert sorted(r["embedded_chunks"] for r in results) == [0, len(_view(BUNDLED_CORPUS))]
    assert max(r["lock_wait"] for r in results) > 0  # the later one waited
    print(f"\nlock waits: {sorted(round(r['lock_wait'], 3) for r in results)} s")
    first, second = sorted(_intervals(log) for log in logs)
    assert first[1] <= second[0]  # never interleaved
    assert all(r["generation"] == 1 for r in results)  # one commit, the second had nothing to do
    _check_exact(
        zygote.run(op="inspect", data_dir=data, corpus=str(BUNDLED_CORPUS)), _view(BUNDLED_CORPUS)
    )


def test_second_indexer_stops_with_a_clear_message_after_a_bounded_wait(
    zygote: Zygote, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    release = tmp_path / "release"
    args = {"data_dir": str(data), "corpus": str(BUNDLED_CORPUS)}
    holder = zygote.send(op="hold_lock", release=str(release), background=True, **args)["pid"]
    deadline = time.monotonic() + 60
    while f'"pid": {holder}' not in _read(data / "index.lock"):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for timeout in (0, 0.5):
        refused = zygote.send(op="sync", lock_timeout=timeout, **args)
        assert refused["status"] == 1, refused
        message = refused["result"]["error"]
        assert message.startswith("IndexLockedError: another indexer (pid ")
        assert f"pid {holder} on" in message and "RAG_INDEX_LOCK_TIMEOUT" in message
    release.touch()
    assert zygote.send(op="reap", pid=holder)["status"] == 0
    # Released: the next indexer gets the lock at once and indexes.
    assert zygote.run(op="sync", lock_timeout=0, **args)["embedded_chunks"] > 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def test_two_apps_starting_on_an_empty_data_dir_index_once(zygote: Zygote, tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    pids = [
        zygote.send(
            op="assistant",
            data_dir=data,
            corpus=str(BUNDLED_CORPUS),
            delay=0.02,
            stage_log=str(log),
            background=True,
        )["pid"]
        for log in logs
    ]
    results = [zygote.send(op="reap", pid=pid) for pid in pids]
    assert all(r["status"] == 0 for r in results), results
    text = "".join(log.read_text(encoding="utf-8") for log in logs)
    assert text.count("committed generation") == 1
    _check_exact(
        zygote.run(op="inspect", data_dir=data, corpus=str(BUNDLED_CORPUS)), _view(BUNDLED_CORPUS)
    )


# -- removing an uploaded article, killed part-way ----------------------------------------------

REMOVAL_STAGES = [
    "removal: ",  # the file was just moved out of the sources
    "sync: lock acquired",
    "sync: retired",
    "sync: committed generation",
    "sync: done",  # committed, the moved file not yet deleted
    "completed the removal",
    "removal: done",
]


def _removal_state(zygote: Zygote, data_dir: Path, corpus: Path) -> tuple[bool, bool, list[str]]:
    """(rows of 'licornes' visible, its upload file present, leftover .removing entries)."""
    inspected = zygote.run(op="inspect", data_dir=str(data_dir), corpus=str(corpus))
    visible = any(m["article_id"] == "licornes" for _, _, m in inspected["visible"])
    assert inspected["duplicates"] == [] and inspected["dense_outside_view"] == []
    present = (data_dir / "uploads" / "licornes.txt").exists()
    pending = data_dir / "uploads" / ".removing"
    return visible, present, sorted(p.name for p in pending.iterdir()) if pending.exists() else []


@pytest.mark.parametrize("stage", [*REMOVAL_STAGES, 0.0, 0.05, 0.2])
def test_a_removal_killed_part_way_is_completed_or_never_happened(
    zygote: Zygote, tmp_path: Path, stage: str | float
) -> None:
    """The file, its rows and the BM25 side (keyed by the committed revision) go together."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(BUNDLED_CORPUS / "003_a146349f20264553.txt", corpus)
    data_dir = tmp_path / "data"
    (data_dir / "uploads").mkdir(parents=True)
    (data_dir / "uploads" / "licornes.txt").write_text(
        "Recensement des licornes bleues dans le Vercors\n\n"
        "Les gardes forestiers ont compté 412 licornes bleues au printemps 2025.\n",
        encoding="utf-8",
    )
    common = {"data_dir": str(data_dir), "corpus": str(corpus)}
    assert "licornes" in zygote.run(op="sync_sources", **common)["indexed"]
    kill: dict[str, Any] = {"die_at": stage} if isinstance(stage, str) else {"kill_after": stage}
    answer = zygote.send(op="remove", article_id="licornes", **common, **kill)
    assert answer["killed"] or not isinstance(stage, str), f"never reached {stage!r}"
    visible, present, pending = _removal_state(zygote, data_dir, corpus)
    if answer["killed"]:
        # Killed: either nothing happened, or the removal is pending/complete, never half.
        assert (visible, present) in {(True, True), (True, False), (False, False)}
        assert present or pending or not visible
    else:
        assert (visible, present, pending) == (False, False, [])
    # What app.py does at start: an interrupted removal is completed.
    zygote.run(op="assistant", **common)
    visible, present, pending = _removal_state(zygote, data_dir, corpus)
    assert visible == present and pending == []
    if answer["killed"] and isinstance(stage, str):  # every named stage is after the move
        assert not visible
