/** Cuts ranges [start, end) into shards of at most `shardSize` examples. */
export function planShards(ranges: ReadonlyArray<readonly [number, number]>, shardSize: number): Array<[number, number]> {
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new RangeError(`shardSize must be a positive integer, got ${shardSize}`);
  const out: Array<[number, number]> = [];
  for (const [start, end] of ranges) {
    for (let at = start; at < end; at += shardSize) out.push([at, Math.min(end, at + shardSize)]);
  }
  return out;
}
