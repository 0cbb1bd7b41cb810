/**
 * The piscina task of the bare pool round trip (src/benchmarks/bare-trips.ts): it takes the
 * same { vcpu } task the virtual-mode pool worker gets (src/pipeline/pool-worker.ts) and
 * returns at once, so a run costs only piscina's dispatch and reply.
 */
export default function noopTask(task: { readonly vcpu: number }): number {
  return task.vcpu;
}
