/**
 * The emulator's time: the wall clock plus an offset the admin API can advance, so retention
 * expiry and maintenance windows can be reached in a test. Databases live in real time; times
 * passed to them are translated back.
 */
export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  get offset(): number {
    return this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  toReal(emulatorTime: number): number {
    return emulatorTime - this.offsetMs;
  }

  fromReal(realTime: number): number {
    return realTime + this.offsetMs;
  }
}
