/**
 * VFIO_IOMMU_SET_ATTR and VFIO_IOMMU_GET_ATTR of the PAMU container: the two ioctls seed 001
 * proposes to pass the domain geometry (aperture) and window count from user space to the
 * kernel's domain attributes. The errno rules are the domain's (pamu-domain.ts), checked in
 * the kernel's order; the container adds only what the ioctl itself can get wrong.
 * Runs in: host model only.
 */
import { fail, hex, value, type PamuResult, type PamuValue } from './errors.js';
import type { VfioPamuContainer } from './vfio-pamu-container.js';

/** The kernel's aperture for a new PAMU domain: 0 .. 2^36 - 1 (its geometry size stays 0 = unset). */
export const PAMU_DEFAULT_APERTURE_END = (1n << 36n) - 1n;

export type VfioPamuAttr =
  /** DOMAIN_ATTR_GEOMETRY: the aperture [apertureStart, apertureEnd], end inclusive as in the kernel. */
  | { readonly attribute: 'VFIO_ATTR_GEOMETRY'; readonly apertureStart: bigint; readonly apertureEnd: bigint }
  /** DOMAIN_ATTR_WINDOWS: how many equal windows the aperture is cut into. */
  | { readonly attribute: 'VFIO_ATTR_WINDOWS'; readonly windows: number };


export interface VfioPamuSetAttr {
  readonly flags: number;
  readonly attr: VfioPamuAttr;
}

/** VFIO_IOMMU_SET_ATTR. */
export function vfioIommuSetAttr(container: VfioPamuContainer, arg: VfioPamuSetAttr): PamuResult {
  const open = container.enter('VFIO_IOMMU_SET_ATTR');
  if (!open.ok) return open;
  if (arg.flags !== 0) return fail('EINVAL', `SET_ATTR flags ${arg.flags} must be 0`);
  const attr = arg.attr;
  switch (attr.attribute) {
    case 'VFIO_ATTR_GEOMETRY': {
      if (attr.apertureEnd < attr.apertureStart) {
        return fail('EINVAL', `aperture end ${hex(attr.apertureEnd)} is below its start ${hex(attr.apertureStart)}`);
      }
      return container.domain.setGeometry(attr.apertureStart, attr.apertureEnd - attr.apertureStart + 1n);
    }
    case 'VFIO_ATTR_WINDOWS':
      return container.domain.setWindowCount(attr.windows);
    default: {
      // Reached only from untyped callers (a layout file): the kernel answers an unknown attribute so.
      const unknown: { readonly attribute?: unknown } = attr;
      return fail('EINVAL', `unknown attribute ${String(unknown.attribute)}`);
    }
  }
}

/** VFIO_IOMMU_GET_ATTR; `attribute` is a string because user space may ask for anything. */
export function vfioIommuGetAttr(container: VfioPamuContainer, attribute: string): PamuValue<VfioPamuAttr> {
  const open = container.enter('VFIO_IOMMU_GET_ATTR');
  if (!open.ok) return open;
  const domain = container.domain;
  switch (attribute) {
    case 'VFIO_ATTR_GEOMETRY': {
      const g = domain.geometry;
      // Before any SET the kernel reports the new domain's default aperture, not an error.
      return value({
        attribute,
        apertureStart: g ? g.start : 0n,
        apertureEnd: g ? g.start + g.size - 1n : PAMU_DEFAULT_APERTURE_END,
      });
    }
    case 'VFIO_ATTR_WINDOWS':
      return value({ attribute, windows: domain.windowCount });
    default:
      return fail('EINVAL', `unknown attribute ${attribute}`);
  }
}
