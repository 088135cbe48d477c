/** Playback of the timeline: a requestAnimationFrame loop that advances the step at a speed. */
import { advance } from "./timeline.ts";

export interface PlayTarget {
  readonly step: number;
  readonly lastStep: number;
  setStep(step: number, how: "play"): void;
}

export class Player {
  playing = $state(false);
  /** Steps per second. */
  speed = $state(2);
  private frame = 0;
  private carry = 0;
  private lastTime = 0;

  constructor(private readonly target: PlayTarget) {}

  play(): void {
    if (this.playing) return;
    // playing from the end starts over
    if (this.target.step >= this.target.lastStep) this.target.setStep(-1, "play");
    if (this.target.lastStep < 0) return;
    this.playing = true;
    this.carry = 0.999; // the first step comes at once
    this.lastTime = performance.now();
    this.frame = requestAnimationFrame(this.tick);
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.frame);
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  private tick = (now: number): void => {
    if (!this.playing) return;
    const r = advance(this.target.step, this.carry, now - this.lastTime, this.speed, this.target.lastStep);
    this.lastTime = now;
    // one step per frame at most: on a slow frame playback slows down rather than skip a step's animation
    const next = Math.min(r.step, this.target.step + 1);
    this.carry = next < r.step ? Math.min(r.carry + (r.step - next), 1) : r.carry;
    if (next !== this.target.step) this.target.setStep(next, "play");
    if (r.done && next === r.step) this.pause();
    else this.frame = requestAnimationFrame(this.tick);
  };
}
