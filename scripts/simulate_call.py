"""Play a recording into the live WebSocket in real time (or `--speed` times faster).

    python scripts/simulate_call.py CALL.wav --url ws://127.0.0.1:8080 [--call-id ID]
        [--speed 1] [--agent-channel left|right] [--mulaw] [--area Haidian] [--json]
    python scripts/simulate_call.py --say "my five G signal is bad" --say "this is ridiculous" ...

Mono audio is streamed as the customer channel; stereo as two streams (one connection per
channel, the agent on `--agent-channel`). `--say` synthesises the customer's lines with espeak-ng
(pauses in between) instead of reading a file. Prints every server event; the summary gives
end-of-utterance -> suggestion latencies, measured from when the client sent the end of speech.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import wave
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHUNK_S = 0.1
TAIL_S = 0.1   # the server keeps 100 ms after speech in a turn's end time


def espeak_call(lines: list[str], path: str, gap_s: float = 1.2, rate: int = 16000,
                voice: str = "en-us", wpm: int = 160) -> str:
    """Synthesise `lines` with espeak-ng into one mono 16-bit WAV with `gap_s` pauses."""
    from hotline.audio import decode_audio

    parts = [np.zeros(int(0.5 * 16000), np.float32)]
    with tempfile.TemporaryDirectory() as tmp:
        for i, line in enumerate(lines):
            wav = os.path.join(tmp, f"{i}.wav")
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", wav, line], check=True)
            parts += [decode_audio(wav).mono * 0.8, np.zeros(int(gap_s * 16000), np.float32)]
    audio = np.concatenate(parts)
    if rate != 16000:
        import soxr

        audio = soxr.resample(audio, 16000, rate).astype(np.float32)
    write_wav(path, audio, rate)
    return path


def write_wav(path: str, audio: np.ndarray, rate: int) -> None:
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def _mulaw(x: np.ndarray) -> bytes:
    """G.711 mu-law encode (float in [-1, 1]); the standard segment/mantissa byte layout."""
    s = (np.clip(x, -1, 1) * 32767).astype(np.int32)
    sign = (s < 0).astype(np.int32)
    mag = np.minimum(np.abs(s), 32635) + 0x84
    exponent = np.clip(np.floor(np.log2(mag)).astype(np.int32) - 7, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return ((~((sign << 7) | (exponent << 4) | mantissa)) & 0xFF).astype(np.uint8).tobytes()


def _channels(path: str, agent_channel: str | None) -> list[tuple[str, np.ndarray]]:
    """(role, 16 kHz float samples) per channel."""
    from hotline.audio import decode_audio

    audio = decode_audio(path)
    if audio.samples.shape[0] == 1:
        return [("customer", audio.samples[0])]
    agent = 0 if (agent_channel or "left") == "left" else 1
    return [("agent", audio.samples[agent]), ("customer", audio.samples[1 - agent])]


async def _stream(url: str, call_id: str, role: str, samples: np.ndarray, speed: float,
                  mulaw: bool, area: str | None, t0: float, events: list, final: asyncio.Event,
                  partials: bool, token: str | None) -> None:
    from websockets.asyncio.client import connect

    rate = 8000 if mulaw else 16000
    if mulaw:
        import soxr

        samples = soxr.resample(samples, 16000, 8000).astype(np.float32)
    step = int(CHUNK_S * rate)
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with connect(f"{url}/ws/call/{call_id}", max_size=None,
                       additional_headers=headers) as ws:
        start = {"type": "start", "role": role, "encoding": "mulaw" if mulaw else "s16le",
                 "rate": rate, "partials": partials}
        if area:
            start["area"] = area
        await ws.send(json.dumps(start))
        reader = asyncio.create_task(_read(ws, role, events, final))
        for i in range(0, len(samples), step):
            chunk = samples[i:i + step]
            data = _mulaw(chunk) if mulaw else (np.clip(chunk, -1, 1) * 32767).astype("<i2").tobytes()
            await ws.send(data)
            target = t0 + (i + len(chunk)) / rate / speed
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await ws.send(json.dumps({"type": "stop"}))
        try:
            await asyncio.wait_for(final.wait(), timeout=120)
        finally:
            reader.cancel()


async def _read(ws: Any, role: str, events: list, final: asyncio.Event) -> None:
    async for raw in ws:
        ev = json.loads(raw)
        ev["_recv"] = time.perf_counter()
        ev["_conn"] = role
        events.append(ev)
        if ev["type"] in ("end", "error"):
            final.set()


async def simulate(url: str, path: str, call_id: str | None = None, speed: float = 1.0,
                   agent_channel: str | None = None, mulaw: bool = False, area: str | None = None,
                   partials: bool = True, token: str | None = None) -> dict[str, Any]:
    """Stream one call; returns {"events", "latencies_s", "turns", "suggestions"}. `token`: an
    API token (admin/supervisor, or the agent the call becomes) sent as Bearer on the handshake."""
    call_id = call_id or uuid.uuid4().hex[:12]
    chans = _channels(path, agent_channel)
    t0 = time.perf_counter() + 0.05
    per_conn: list[list] = [[] for _ in chans]
    final = asyncio.Event()
    await asyncio.gather(*[
        _stream(url, call_id, role, x, speed, mulaw, area, t0, per_conn[k], final, partials,
                token)
        for k, (role, x) in enumerate(chans)])
    # every connection of the call receives every event: read them from the first one
    events = per_conn[0]
    turns = {e["turn"]: e for e in events if e["type"] == "turn"}
    latencies = []
    for e in events:
        if e["type"] == "suggestion" and e["turn"] in turns:
            speech_end = turns[e["turn"]]["end"] - TAIL_S
            latencies.append(e["_recv"] - (t0 + speech_end / speed))
    return {"call_id": call_id, "events": events, "latencies_s": latencies,
            "turns": [e for e in events if e["type"] == "turn"],
            "suggestions": [e for e in events if e["type"] == "suggestion"]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("audio", nargs="?", help="recording to play (any format ffmpeg reads)")
    p.add_argument("--say", action="append", help="synthesise this customer line (repeatable)")
    p.add_argument("--url", default="ws://127.0.0.1:8080")
    p.add_argument("--call-id")
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--agent-channel", choices=("left", "right"))
    p.add_argument("--mulaw", action="store_true", help="send 8 kHz G.711 mu-law instead of 16 kHz s16le")
    p.add_argument("--area")
    p.add_argument("--no-partials", action="store_true")
    p.add_argument("--json", action="store_true", help="print events as JSON lines")
    p.add_argument("--token", default=os.environ.get("HOTLINE_TOKEN"),
                   help="API token (default $HOTLINE_TOKEN), sent as Bearer on the handshake")
    args = p.parse_args(argv)
    if not args.audio and not args.say:
        p.error("give AUDIO or --say")
    path = args.audio
    if args.say:
        path = espeak_call(args.say, os.path.join(tempfile.mkdtemp(), "say.wav"))
    out = asyncio.run(simulate(args.url, path, args.call_id, args.speed, args.agent_channel,
                               args.mulaw, args.area, not args.no_partials, args.token))
    for e in out["events"]:
        e = {k: v for k, v in e.items() if not k.startswith("_")}
        if args.json:
            print(json.dumps(e, ensure_ascii=False))
        elif e["type"] == "turn":
            text = e["text"] or "(not transcribed: " + ", ".join(e.get("flags") or ["no text"]) + ")"
            print(f"[{e['start']:6.2f}-{e['end']:6.2f}] {e['role']}: {text}")
        elif e["type"] == "suggestion":
            top = e["suggestions"][0]
            facts = "; ".join(f"{f['site_id']} {f['status']}" for f in top["facts"])
            print(f"    -> {top['intent']} ({top['score']:.2f}) {top['title']}" + (f" | {facts}" if facts else ""))
        elif e["type"] in ("alert", "reminder", "violation", "error", "notice"):
            print(f"    !! {e['type']}: {e.get('reason') or e.get('message') or e.get('rule')}")
    lat = sorted(out["latencies_s"])
    if lat:
        print(f"end of utterance -> suggestion: p50 {np.percentile(lat, 50):.2f} s, "
              f"p95 {np.percentile(lat, 95):.2f} s (n={len(lat)}, speed {args.speed}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
