import { afterEach, describe, expect, it, vi } from "vitest";
import { stdoutSink } from "../../core/util/log.ts";

afterEach(() => vi.restoreAllMocks());

describe("the standard-output log sink", () => {
  it("writes the lines of one event-loop turn in one write, in order", async () => {
    // Prepare
    const writes: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    // Act
    stdoutSink('{"n":1}');
    stdoutSink('{"n":2}');
    stdoutSink('{"n":3}');
    const before = [...writes];
    await new Promise((r) => setImmediate(r));
    stdoutSink('{"n":4}');
    await new Promise((r) => setImmediate(r));
    // Assess
    expect(before).toEqual([]);
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n', '{"n":4}\n']);
  });

  it("writes what is pending when the process exits", () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    stdoutSink('{"last":true}');
    process.emit("exit", 0);
    expect(writes).toEqual(['{"last":true}\n']);
  });
});
