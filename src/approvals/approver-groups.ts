import type { Approver } from './approval.js';

/** Someone deciding as `name`, in the groups `approvals.groups` lists them in (what `group:<name>` approvers admit). */
export function approverNamed(groups: Readonly<Record<string, readonly string[]>>, name: string): Approver {
  return { name, groups: Object.entries(groups).flatMap(([group, members]) => (members.includes(name) ? [group] : [])) };
}
