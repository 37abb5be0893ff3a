// Redis Cluster's hash slots, as the cluster specification defines them: a key lives in
// slot CRC16(key) mod 16384, where CRC16 is CRC-16/XMODEM (polynomial 0x1021, initial value
// 0, no reflection, no final XOR) over the key's UTF-8 bytes. A key with a hash tag — a "{"
// followed later by a "}" with at least one byte between them, the first such pair — is
// hashed over the bytes between them only, so "{user1}:a" and "{user1}:b" share a slot.
// A cluster refuses a command whose keys lie in several slots (CROSSSLOT), even when one
// node serves them all.

/** Slots in a cluster. */
const SLOTS = 16384;

/** CRC-16/XMODEM of each byte value, the table Redis's crc16.c holds. */
const TABLE = new Uint16Array(256).map((_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  return crc;
});

const utf8 = new TextEncoder();

/** CRC-16/XMODEM of `bytes` (e.g. 0x31c3 for the ASCII bytes of "123456789"). */
export function crc16(bytes) {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc;
}

/**
 * The hash slot (0..16383) of `key` in a Redis Cluster: what `CLUSTER KEYSLOT key` answers.
 * "{" and "}" are single bytes in UTF-8, so the tag is found in the string.
 * @param {string} key
 */
export function hashSlot(key) {
  const open = key.indexOf("{");
  if (open !== -1) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) return crc16(utf8.encode(key.slice(open + 1, close))) % SLOTS;
  }
  return crc16(utf8.encode(key)) % SLOTS;
}

/**
 * The positions of `keys` grouped by hash slot, each group in the keys' order: the
 * batches a cluster accepts as one multi-key command.
 * @param {string[]} keys
 * @returns {number[][]}
 */
export function bySlot(keys) {
  const groups = new Map();
  keys.forEach((key, i) => {
    const slot = hashSlot(key);
    const group = groups.get(slot);
    if (group === undefined) groups.set(slot, [i]);
    else group.push(i);
  });
  return [...groups.values()];
}
