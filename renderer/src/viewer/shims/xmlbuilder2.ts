/**
 * Stand-in for `xmlbuilder2`, which vtk.js pulls in (through Cornerstone's mesh cache and orientation marker) only
 * to read and write VTK XML meshes. The real package needs Node's `events` and `url`, which a browser page lacks,
 * and importing it breaks the page at load. The stack viewer never reads a mesh, so any call here is a bug.
 */
export function create(): never {
  throw new Error('VTK XML meshes are not supported in this viewer');
}
