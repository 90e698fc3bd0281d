/**
 * Names on the containerlab host. Bridges and the host ends of their veths live in the host's own
 * namespace, where names must be unique across the whole lab (and fit in 15 characters), while
 * halab's bridge and port names are only unique per node: prefix them with the node.
 */
import { kernelName } from '../../util/names.js';

/** The host bridge (and containerlab `bridge`/`ovs-bridge` node) for bridge BRIDGE of NODE. */
export function hostBridgeName(node: string, bridge: string): string {
  return kernelName(`${node}-${bridge}`);
}

/** A host-side port of a bridge of NODE: the host end of a link, a patch, internal or VXLAN port. */
export function hostPortName(node: string, port: string): string {
  return kernelName(`${node}-${port}`);
}

/** The host end of the veth that carries a bridge's own interface (with its addresses) into the node's container. */
export function hostOwnPortName(node: string, bridge: string): string {
  return kernelName(`${node}-${bridge}-if`);
}
