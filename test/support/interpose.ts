import { Db } from "../../core/db/client.ts";

/** A command the repository code sent: its class name (`QueryCommand`) and its input, unmarshalled. */
export interface Sent {
  name: string;
  input: Record<string, any>;
}

export interface Interposed {
  /** How many times `act` ran. */
  readonly count: number;
  /** Takes the hook out again. */
  restore(): void;
}

/**
 * Runs `act` just before the first command matching `when` is sent (or just after it was answered, with
 * `after: true`): the way a test puts a concurrent writer between the code's read and the write that
 * relies on it, deterministically. What `act` itself sends passes straight through.
 */
export function interpose(options: {
  when: (sent: Sent) => boolean;
  act: (sent: Sent) => Promise<unknown>;
  after?: boolean;
  times?: number;
}): Interposed {
  const client = Db.client() as unknown as {
    send: (command: unknown, ...rest: unknown[]) => Promise<unknown>;
  };
  const original = client.send;
  const times = options.times ?? 1;
  let count = 0;
  let acting = false;
  const run = async (sent: Sent) => {
    if (acting || count >= times || !options.when(sent)) return;
    count++;
    acting = true;
    try {
      await options.act(sent);
    } finally {
      acting = false;
    }
  };
  client.send = async function send(command: unknown, ...rest: unknown[]) {
    const sent = {
      name: (command as object).constructor.name,
      input: (command as { input: Record<string, unknown> }).input,
    };
    if (!options.after) await run(sent);
    const out = await original.call(client, command, ...rest);
    if (options.after) await run(sent);
    return out;
  };
  return {
    get count() {
      return count;
    },
    restore() {
      client.send = original;
    },
  };
}
