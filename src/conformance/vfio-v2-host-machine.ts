/**
 * Format /2 machine fields for the host side: `machine.host` and `machine.groups`
 * (../shared/conformance/FORMAT.md). Either one gives the run a host (src/host) and a KVM-VFIO
 * device; groups are then driven by `vfio` and `kvm` steps (vfio-v2-host-steps.ts).
 */
import { defaultHostConfig } from '../host/host-config.js';
import { parseGroupConfigs, parseHostConfig } from '../host/host-json.js';
import type { MachineConfig, PassthroughConfig } from '../pipeline/machine-config.js';
import type { MachineField } from './step-kinds.js';

/** The config's passthrough part, created (default host, no groups, no devices) on first use. */
export function passthroughOfConfig(m: MachineConfig): PassthroughConfig {
  if (m.passthrough === undefined) m.passthrough = { host: defaultHostConfig(), groups: [], devices: [] };
  return m.passthrough;
}

export const hostMachineField: MachineField = {
  key: 'host',
  since: 2,
  parse(v, where, fail, m) {
    passthroughOfConfig(m).host = parseHostConfig(v, where, fail);
  },
};

export const groupsMachineField: MachineField = {
  key: 'groups',
  since: 2,
  parse(v, where, fail, m) {
    const groups = parseGroupConfigs(v, where, fail);
    groups.forEach((g, i) => {
      if (m.phbs.length > 0 && !m.phbs.some((p) => p.index === g.phb)) fail(`${where}[${i}].phb`, `${g.phb} is not one of machine.phbs`);
    });
    passthroughOfConfig(m).groups = groups;
  },
};
