"""FFmpegRenderer: screens become an MP4 from cached per-screen pieces joined by stream copy.

A render is a handful of steps run on two threads (see `schedule`):

1. the sound track, unless cached (`audio`);
2. each screen with a piece that is not cached: one ffmpeg that writes the transition
   clip into the screen (or the first screen's lead), its body, and the last screen's
   trail (`segments`; keys and durations in `plan`, the pieces in `join`);
3. the join: the concat demuxer reads the pieces in order (`-c copy`), the sound is
   copied in, `+faststart`; then a thumbnail from about 1 s in.

The MP4 and the JPEG are written under temporary names in the output's folder and renamed
into place at the very end, so a failed or killed render leaves the previous files as
they were.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from functools import cached_property
from pathlib import Path

from core.errors import InvalidInput, RenderFailed
from core.media.probe import audio_duration
from core.render.audio import (
    encode_args,
    group_args,
    measure_args,
    narration_groups,
    parse_measurement,
)
from core.render.cache import PieceCache
from core.render.captions import ass_filter, build_ass
from core.render.fonts import families_for, fonts_dir
from core.render.join import (
    join_args,
    partial_path,
    pieces_in_order,
    publish,
    screen_pieces,
    sweep_partials,
    thumbnail_args,
    thumbnail_path,
    write_listing,
)
from core.render.plan import SegmentPlan, Timeline, audio_key, build_timeline, file_hash
from core.render.runner import FFmpegFailed, FFmpegRunner
from core.render.schedule import Report, Schedule, Step
from core.render.segments import X264_PRESETS, Source, piece_frames, screen_args
from core.render.spec import ExportSettings, RenderInput, RenderProgress, RenderResult, ScreenInput
from core.render.stills import Stills

CaptionBuilder = Callable[[ScreenInput, float], str]


class FFmpegRenderer:
    """The production renderer (the Renderer protocol) on the pip ffmpeg binary."""

    def __init__(
        self, *, workers: int = 2, fonts: Path | None = None, cache_bytes: int = 2 << 30
    ) -> None:
        self.workers = workers  # ffmpeg processes at once: one per core
        self.fonts = fonts  # None: the caption fonts from pip (`fonts.fonts_dir`)
        self.cache_bytes = cache_bytes  # the cache keeps at most this much after a render

    def render(
        self, job: RenderInput, output: Path, *, cache_dir: Path, progress: RenderProgress
    ) -> RenderResult:
        """Write the MP4 to `output` (atomically) and a thumbnail beside it."""
        _check_settings(job.settings)
        music_hash = file_hash(job.music, "The background music") if job.music else None
        timeline = build_timeline(job, _caption_builder(job))
        cache = PieceCache(cache_dir)
        audio = cache.audio(audio_key(timeline, music_hash))
        if job.music is not None and not audio.is_file():
            _check_music(job.music)
        sweep_partials(output.parent)
        render = _Render(job, timeline, cache, audio, output, self.fonts)
        try:
            progress(0, "Preparing the render")
            steps = render.steps()
            Schedule(render.runner, progress, workers=self.workers).run(steps)
            publish([(render.partial_video, output), (render.partial_thumb, render.thumbnail)])
        finally:
            render.clean_up()
        cache.prune(max_bytes=self.cache_bytes)
        progress(100, "The video is ready")
        width, height = job.settings.size
        return RenderResult(
            output=output,
            thumbnail=render.thumbnail,
            duration=timeline.duration,
            width=width,
            height=height,
            fps=job.settings.fps,
            segments_encoded=render.encoded,
            segments_reused=len(timeline.segments) - render.encoded,
        )


class _Render:
    """The state of one render: its timeline, cache, scratch folder and partial files."""

    def __init__(
        self,
        job: RenderInput,
        timeline: Timeline,
        cache: PieceCache,
        audio: Path,
        output: Path,
        fonts: Path | None,
    ) -> None:
        self.job, self.timeline, self.cache, self.audio = job, timeline, cache, audio
        self.runner = FFmpegRunner()
        self._fonts = fonts
        self.encoded = 0
        self.thumbnail = thumbnail_path(output)
        self.work = cache.work_dir()
        self.stills = Stills(self.work, timeline.settings)
        self.partial_video = partial_path(output, ".mp4")
        self.partial_thumb = partial_path(output, ".jpg")

    def steps(self) -> list[Step]:
        timeline, cache = self.timeline, self.cache
        steps: list[Step] = []
        if self.audio.is_file():
            cache.touch(self.audio)
        else:
            steps.append(
                Step(
                    "audio",
                    "Mixing the sound",
                    0.1 * timeline.total_frames,
                    self._audio,
                    light=True,
                )
            )
        planned: set[Path] = set()  # a piece two screens share (same picture) is made once
        count = len(timeline.segments)
        for index, segment in enumerate(timeline.segments):
            wanted: list[tuple[str, Path]] = []
            for kind, path in screen_pieces(timeline, cache, index):
                if path.is_file():
                    cache.touch(path)
                elif path not in planned:
                    planned.add(path)
                    wanted.append((kind, path))
            if not wanted:
                continue
            if any(kind in ("body", "whole") for kind, _ in wanted):
                self.encoded += 1
            self.stills.expect(segment)
            if any(kind == "transition" for kind, _ in wanted):
                self.stills.expect(timeline.segments[index - 1])
            frames = sum(b - a for a, b in (piece_frames(segment, k) for k, _ in wanted))
            message = f"Encoding {segment.label} of {count}"
            run = self._screen_step(index, wanted, frames)
            steps.append(Step(f"screen:{index}", message, frames, run))
        weight = 0.03 * timeline.total_frames + 10
        everything = tuple(step.name for step in steps)
        steps.append(Step("join", "Joining the video", weight, self._join, everything))
        return steps

    def _screen_step(
        self, index: int, wanted: list[tuple[str, Path]], frames: int
    ) -> Callable[[Report], None]:
        segment = self.timeline.segments[index]

        def run(report: Report) -> None:
            built = self.work / f"screen{index}"
            built.mkdir()
            kinds = [kind for kind, _ in wanted]
            with ExitStack() as stills:
                own = self._source(segment, stills.enter_context(self.stills.use(segment)), built)
                previous = None
                if "transition" in kinds:
                    before = self.timeline.segments[index - 1]
                    image = stills.enter_context(self.stills.use(before))
                    previous = Source(before, image, None)  # it fades out without captions
                args, written = screen_args(own, kinds, self.timeline, previous=previous, out=built)
                try:
                    self.runner.run(args, seconds=frames / self.timeline.fps, on_progress=report)
                except FFmpegFailed as exc:
                    raise RenderFailed(f"Rendering {segment.label} failed: {exc}") from exc
            for file in written:
                if not file.is_file():
                    raise RenderFailed(f"Rendering {segment.label} stopped early.")
            for file, (_, target) in zip(written, wanted, strict=True):
                os.replace(file, target)  # same filesystem: each piece appears whole

        return run

    @cached_property
    def fonts(self) -> Path:
        """The folder libass reads: the given one, or one with the families the captions
        name (made only when a screen has captions)."""
        documents = [segment.ass for segment in self.timeline.segments]
        return self._fonts or fonts_dir(families=families_for(documents))

    def _source(self, segment: SegmentPlan, image: Path, folder: Path) -> Source:
        """The screen's prepared still with its captions filter."""
        captions = None
        if segment.ass:
            path = folder / f"{segment.key}.ass"
            path.write_text(segment.ass, encoding="utf-8")
            captions = ass_filter(path, self.fonts)
        return Source(segment, image, captions)

    def _audio(self, report: Report) -> None:
        music, timeline = self.job.music, self.timeline
        seconds = timeline.duration
        partial = self.work / self.audio.name
        groups = narration_groups(timeline)
        narration = [self.work / f"narration{index}.f32" for index in range(len(groups))]
        try:
            for index, ((first, end), part) in enumerate(zip(groups, narration, strict=True)):
                self.runner.run(group_args(timeline, first, end, part), seconds=seconds)
                report(0.4 * (index + 1) / len(groups))
            measured = self.runner.run(
                measure_args(timeline, narration, music), seconds=seconds, loglevel="info"
            )
            report(0.5)
            args = encode_args(timeline, narration, music, parse_measurement(measured), partial)
            self.runner.run(args, seconds=seconds, on_progress=lambda f: report(0.5 + f / 2))
        except FFmpegFailed as exc:
            _find_bad_voice(timeline)
            raise RenderFailed(f"Mixing the sound failed: {exc}") from exc
        finally:
            for part in narration:
                part.unlink(missing_ok=True)
        os.replace(partial, self.audio)

    def _join(self, report: Report) -> None:
        listing = write_listing(
            self.work / "pieces.ffconcat", pieces_in_order(self.timeline, self.cache)
        )
        duration = self.timeline.duration
        try:
            self.runner.run(
                join_args(listing, self.audio, self.partial_video),
                seconds=duration,
                on_progress=lambda f: report(0.9 * f),
            )
            thumbnail = thumbnail_args(self.partial_video, self.partial_thumb, duration=duration)
            self.runner.run(thumbnail, seconds=0)
        except FFmpegFailed as exc:
            raise RenderFailed(f"Joining the video failed: {exc}") from exc

    def clean_up(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.partial_video.unlink(missing_ok=True)
        self.partial_thumb.unlink(missing_ok=True)


def _caption_builder(job: RenderInput) -> CaptionBuilder:
    if not job.settings.captions.enabled:
        return lambda screen, seconds: ""
    width, height = job.settings.size
    style = job.settings.captions

    def build(screen: ScreenInput, seconds: float) -> str:
        return build_ass(
            screen, style, width=width, height=height, language=job.language, duration=seconds
        )

    return build


def _check_settings(settings: ExportSettings) -> None:
    if settings.preset not in X264_PRESETS:
        raise InvalidInput(f"Unknown encoder preset “{settings.preset}”.")


def _check_music(music: Path) -> None:
    try:
        audio_duration(music)
    except InvalidInput as exc:
        raise InvalidInput(
            "The background music is not audio that can be played (MP3, WAV or M4A)."
        ) from exc


def _find_bad_voice(timeline: Timeline) -> None:
    """After the mix failed: name the screen whose voice-over ffmpeg cannot decode."""
    for segment in timeline.segments:
        try:
            audio_duration(segment.screen.audio)
        except InvalidInput as exc:
            raise InvalidInput(
                f"The voice-over of {segment.label} is not audio that can be played."
            ) from exc
