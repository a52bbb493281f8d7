import { AdminPage } from './AdminPage';
import { CheckinPage } from './CheckinPage';
import { OrganizerAppsPage } from './OrganizerAppsPage';
import { OrganizerEventFormPage } from './OrganizerEventFormPage';
import { OrganizerEventPage } from './OrganizerEventPage';
import { OrganizerPage } from './OrganizerPage';
import { OrganizerStatsPage } from './OrganizerStatsPage';
import { SupportPage } from './SupportPage';
import { WaitlistPage } from './WaitlistPage';
import { WebhooksPage } from './WebhooksPage';
import { StatsPage } from './StatsPage';

const PAGES = {
  AdminPage, CheckinPage, OrganizerAppsPage, OrganizerEventFormPage, OrganizerEventPage, OrganizerPage,
  OrganizerStatsPage, SupportPage, WaitlistPage, WebhooksPage,
  SupportStatsPage: () => <StatsPage scope="support" />,
  OrganizerEventStatsPage: () => <StatsPage scope="organizer" />,
};
export type StaffPageName = keyof typeof PAGES;

/**
 * The staff's and organizers' pages, as one chunk of their own that web/src/App.tsx loads on first
 * use through one lazy component: a customer's first page does not carry them (nor the charts
 * library), and once one of them has loaded, moving between them never waits for a download.
 */
export default function StaffPage({ name }: { name: StaffPageName }) {
  const Page = PAGES[name];
  return <Page />;
}
