// Register-tiled kernels: WG invocations per workgroup, each owning 8 columns (2 vec4) of the
// output (a pipeline constant: narrow outputs get narrow workgroups), and row blocks numbered
// by workgroup_id.y, extended by z beyond the 65535 workgroups-per-dimension limit.

override WG: u32 = 16;

// First row of this workgroup's block of `rows` rows.
fn row_base(wg: vec3u, nwg: vec3u, rows: u32) -> u32 {
  return (wg.y + wg.z * nwg.y) * rows;
}
