import { memorySpeed } from "./memory.mjs";
memorySpeed(); memorySpeed();
