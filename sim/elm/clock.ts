/** A virtual clock: simulated time runs `speed` times faster than real time; speed can change any time. */
export class SimClock {
  private baseReal = Date.now();
  private baseSim = Date.now();

  constructor(private speed = 1) {}

  /** Simulated time in ms since the epoch. */
  now(): number {
    return this.baseSim + (Date.now() - this.baseReal) * this.speed;
  }

  getSpeed(): number {
    return this.speed;
  }

  setSpeed(speed: number): void {
    if (!(speed > 0)) throw new Error(`clock speed must be a positive number, got ${speed}`);
    this.baseSim = this.now();
    this.baseReal = Date.now();
    this.speed = speed;
  }
}
