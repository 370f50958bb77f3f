// For the 'broadcast' kernels (the including file enables subgroups): llvmpipe makes every
// storage load a per-lane loop, so each lane loads one value and subgroupBroadcast hands it on.

// The 8 values of `mine` held by subgroup lanes 0..7, in every lane.
fn share8(mine: f32) -> array<f32, 8> {
  return array<f32, 8>(
    subgroupBroadcast(mine, 0u), subgroupBroadcast(mine, 1u), subgroupBroadcast(mine, 2u), subgroupBroadcast(mine, 3u),
    subgroupBroadcast(mine, 4u), subgroupBroadcast(mine, 5u), subgroupBroadcast(mine, 6u), subgroupBroadcast(mine, 7u));
}
