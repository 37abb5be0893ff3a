// Reading a child process's JSON-lines protocol (deno_isolate.mjs run as a process).

/** The non-empty lines of a byte stream. */
export async function* lines(readable) {
  let rest = "";
  for await (const text of readable.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + text).split("\n");
    rest = parts.pop();
    yield* parts.filter((line) => line !== "");
  }
}
