/**
 * The half that every send and receive future over the channel core shares
 * (a channel's `send`/`recv`, a queue's `put`/`get`): the waiter the core
 * parks, the cheap "would it wait?" test for inline completion, dropping, and
 * the deadlock question. A subclass adds only its poll (which picks the
 * errors and the result's shape), `release` and `describe`.
 */
import type { Waiter } from "../core/parking-lot.js";
import type { Runtime } from "../core/runtime.js";
import type { Chan, RecvOp, SenderHandle, SendOp } from "./channel-core.js";
import { InlineFuture } from "./inline.js";

export abstract class SendOpFuture<T> extends InlineFuture<void> implements SendOp<T> {
  waiter: Waiter | null = null;
  value: T | undefined = undefined;
  readonly sender: SenderHandle;
  protected readonly chan: Chan<T>;

  constructor(chan: Chan<T>, sender: SenderHandle) {
    super();
    this.chan = chan;
    this.sender = sender;
  }

  abstract release(): void;

  protected override mayBeReady(): boolean {
    return this.chan.sendMayBeReady(this);
  }

  cancel(): void {
    this.chan.cancelSend(this);
  }

  isLocalTo(rt: Runtime): boolean {
    return this.chan.isLocalTo(rt);
  }
}

export abstract class RecvOpFuture<T, R> extends InlineFuture<R> implements RecvOp {
  waiter: Waiter | null = null;
  protected readonly chan: Chan<T>;

  constructor(chan: Chan<T>) {
    super();
    this.chan = chan;
  }

  abstract release(): void;

  protected override mayBeReady(): boolean {
    return this.chan.recvMayBeReady(this);
  }

  cancel(): void {
    this.chan.cancelRecv(this);
  }

  isLocalTo(rt: Runtime): boolean {
    return this.chan.isLocalTo(rt);
  }
}
