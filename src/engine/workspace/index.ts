/**
 * Workspaces (issue 15): several domains of one host designed together. The model types live in
 * model/workspace.ts; this folder builds, edits, checks and shares them on top of the rest of the
 * engine (it may import every other layer; none imports it).
 */
export type { HostDeviceUse, HostUsage, Workspace, WorkspaceGuest } from '../model/workspace.ts';
export { hostUsage, passedThrough } from '../model/workspace.ts';
export type { WorkspaceFinding, WorkspaceRule } from '../rules/workspace/index.ts';
export { WORKSPACE_RULES } from '../rules/workspace/index.ts';
export { addGuest, changedDomains, createWorkspace, guestNamed, guestNameOf, MAX_WORKSPACE_GUESTS, withGuestDesign, withHost, withoutGuest, type ChangedDomain, type DomainInput } from './workspace.ts';
export { anyRuleMeta, validateAcrossGuests, validateWorkspace } from './validate.ts';
export { openShareLink, workspaceLink, workspaceOfPayload, type OpenedLink } from './link.ts';
