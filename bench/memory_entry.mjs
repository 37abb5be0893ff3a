// Runs the memory-tier speed table on its own (used for Deno).
import { memorySpeed } from "./memory.mjs";

memorySpeed();
