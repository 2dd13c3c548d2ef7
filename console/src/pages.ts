import type { FunctionComponent } from 'preact';
import { ApprovalsPage } from './pages/approvals.js';
import { AuditPage } from './pages/audit.js';
import { CataloguePage } from './pages/catalogue.js';
import { GrantsPage } from './pages/grants.js';
import { OverviewPage } from './pages/overview.js';
import { PolicyPage } from './pages/policy.js';
import { ServersPage } from './pages/servers.js';

/** A page of the console: its address (`#/<path>`), its name in the navigation, and what it shows. */
export interface ConsolePage {
  readonly path: string;
  readonly title: string;
  readonly Page: FunctionComponent;
}

/** The navigation, in order; the first is where the console opens. A new page is one file under pages/ and one line here. */
export const PAGES: readonly ConsolePage[] = [
  { path: 'overview', title: 'Overview', Page: OverviewPage },
  { path: 'servers', title: 'Servers', Page: ServersPage },
  { path: 'catalogue', title: 'Catalogue', Page: CataloguePage },
  { path: 'approvals', title: 'Approvals', Page: ApprovalsPage },
  { path: 'audit', title: 'Audit', Page: AuditPage },
  { path: 'grants', title: 'Grants', Page: GrantsPage },
  { path: 'policy', title: 'Policy', Page: PolicyPage },
];
