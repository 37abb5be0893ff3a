// Runs the memory-tier speed table on its own (used for Deno); the last line is the rows
// as JSON, for the summary of the run that started it.
import { memorySpeed, ROWS_MARK } from "./memory.mjs";

console.log(`${ROWS_MARK}${JSON.stringify(memorySpeed())}`);
