/** The host ioctls tcesim models, numbered for event records (KIND_IOCTL's P0). Append only. */
const IOCTL_KINDS = [
  'OPEN', 'SET_IOMMU', 'GROUP_SET_CONTAINER', 'GROUP_UNSET_CONTAINER', 'GET_INFO', 'ENABLE', 'DISABLE',
  'REGISTER_MEMORY', 'UNREGISTER_MEMORY', 'MAP_DMA', 'UNMAP_DMA', 'TCE_CREATE', 'TCE_REMOVE', 'RELEASE',
  'KVM_GROUP_ADD', 'KVM_GROUP_DEL', 'KVM_SET_SPAPR_TCE', 'KVM_CREATE_SPAPR_TCE_64',
] as const;

export function ioctlKindCode(kind: string): number {
  const i = (IOCTL_KINDS as readonly string[]).indexOf(kind);
  if (i < 0) throw new Error(`unknown ioctl kind ${kind}`);
  return i;
}

export function ioctlKindName(code: number): string {
  return IOCTL_KINDS[code] ?? `ioctl ${code}`;
}
