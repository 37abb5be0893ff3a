// Deno KV's atomic commits on a local file shared by several processes: SQLite refuses a
// checked commit at once with "database is locked" when another connection wrote since the
// commit's read began (WAL mode: its snapshot is stale, waiting cannot help). Measured with
// eight processes committing checked writes to one file: 5 to 25 % of commits.

/**
 * `op.commit()`'s result (`{ ok }`), or null when the file was locked: then after a pause
 * of 1 to 4 ms, so that the caller's next try (a fresh read, then a commit) may pass.
 * @param {{ commit(): Promise<{ ok: boolean }> }} op a `kv.atomic()` operation
 */
export async function commitUnlessLocked(op) {
  try {
    return await op.commit();
  } catch (error) {
    if (!/database is locked/.test(String(error?.message))) throw error;
    await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 4)));
    return null;
  }
}
