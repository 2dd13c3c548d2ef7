import { byServerAndTool, type Pin, type PinStore } from './pin-store.js';

/** Pins in this process only: for tests and `store: memory`; a restart pins everything afresh. */
export class MemoryPinStore implements PinStore {
  private readonly pins = new Map<string, Pin>();
  private readonly pending = new Map<string, Pin>();

  async pinned(server: string): Promise<Map<string, Pin>> {
    return new Map([...this.pins.values()].filter((pin) => pin.server === server).map((pin) => [pin.tool, pin]));
  }

  async pinFirst(pin: Pin): Promise<{ pin: Pin; first: boolean }> {
    const key = keyOf(pin);
    const standing = this.pins.get(key);
    if (standing) return { pin: standing, first: false };
    this.pins.set(key, pin);
    return { pin, first: true };
  }

  async hold(pin: Pin): Promise<boolean> {
    const key = keyOf(pin);
    if (this.pending.get(key)?.digest === pin.digest) return false;
    this.pending.set(key, pin);
    return true;
  }

  async held(server?: string): Promise<Pin[]> {
    return [...this.pending.values()].filter((pin) => server === undefined || pin.server === server).sort(byServerAndTool);
  }

  async approve(pin: Pin): Promise<void> {
    this.pins.set(keyOf(pin), pin);
    this.pending.delete(keyOf(pin));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

const keyOf = (pin: Pin) => `${pin.server}\0${pin.tool}`;
