import { lazy, Suspense, useEffect } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { EmptyState, Loading } from './components/Feedback';
import { Header } from './components/Header';
import { RequireAuth } from './components/RequireAuth';
import { STAFF_ROLES } from './types';
import { useDocumentTitle } from './hooks';
import { LoginPage, RegisterPage } from './pages/AuthPages';
import { CheckoutPage } from './pages/CheckoutPage';
import { ConfirmationPage } from './pages/ConfirmationPage';
import { EventPage } from './pages/EventPage';
import { EventsPage } from './pages/EventsPage';
import { MyTicketsPage } from './pages/MyTicketsPage';
import { MY_TICKETS_PATH } from './paths';

/**
 * The staff's and organizers' pages load when first opened, in chunks of their own: a customer's
 * first page does not carry them (nor the charts library they use).
 */
const StatsPage = lazy(() => import('./pages/StatsPage').then((m) => ({ default: m.StatsPage })));
const CheckinPage = lazy(() => import('./pages/CheckinPage').then((m) => ({ default: m.CheckinPage })));
const OrganizerPage = lazy(() => import('./pages/OrganizerPage').then((m) => ({ default: m.OrganizerPage })));
const OrganizerEventFormPage = lazy(() => import('./pages/OrganizerEventFormPage').then((m) => ({ default: m.OrganizerEventFormPage })));
const OrganizerEventPage = lazy(() => import('./pages/OrganizerEventPage').then((m) => ({ default: m.OrganizerEventPage })));
const OrganizerStatsPage = lazy(() => import('./pages/OrganizerStatsPage').then((m) => ({ default: m.OrganizerStatsPage })));
const AdminPage = lazy(() => import('./pages/AdminPage').then((m) => ({ default: m.AdminPage })));
const WebhooksPage = lazy(() => import('./pages/WebhooksPage').then((m) => ({ default: m.WebhooksPage })));
const OrganizerAppsPage = lazy(() => import('./pages/OrganizerAppsPage').then((m) => ({ default: m.OrganizerAppsPage })));
const SupportPage = lazy(() => import('./pages/SupportPage').then((m) => ({ default: m.SupportPage })));
const WaitlistPage = lazy(() => import('./pages/WaitlistPage').then((m) => ({ default: m.WaitlistPage })));

export function App() {
  useScrollToTopOnNavigate();
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <main id="main" className="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/" element={<EventsPage />} />
          <Route path="/events/:eventId" element={<EventPage />} />
          <Route path="/checkout/:reservationId" element={<RequireAuth><CheckoutPage /></RequireAuth>} />
          <Route path="/confirmation/:reservationId" element={<RequireAuth><ConfirmationPage /></RequireAuth>} />
          <Route path={MY_TICKETS_PATH} element={<RequireAuth><MyTicketsPage /></RequireAuth>} />
          {/* the three pages it replaced: links in emails and bookmarks still arrive */}
          {['/reservations', '/bookings', '/tickets'].map((path) => (
            <Route key={path} path={path} element={<Navigate to={MY_TICKETS_PATH} replace />} />
          ))}
          <Route path="/support" element={<RequireAuth roles={STAFF_ROLES}><SupportPage /></RequireAuth>} />
          <Route path="/support/events/:eventId/stats" element={<RequireAuth roles={STAFF_ROLES}><StatsPage /></RequireAuth>} />
          <Route path="/support/events/:eventId/waitlist" element={<RequireAuth roles={STAFF_ROLES}><WaitlistPage /></RequireAuth>} />
          <Route path="/checkin" element={<RequireAuth roles={STAFF_ROLES}><CheckinPage /></RequireAuth>} />
          <Route path="/admin" element={<RequireAuth roles={['admin']}><AdminPage /></RequireAuth>} />
          <Route path="/organizer" element={<RequireAuth roles={['organizer']}><OrganizerPage /></RequireAuth>} />
          <Route path="/organizer/events/new" element={<RequireAuth roles={['organizer']}><OrganizerEventFormPage /></RequireAuth>} />
          <Route path="/organizer/events/:eventId" element={<RequireAuth roles={['organizer']}><OrganizerEventPage /></RequireAuth>} />
          <Route path="/organizer/events/:eventId/edit" element={<RequireAuth roles={['organizer']}><OrganizerEventFormPage /></RequireAuth>} />
          <Route path="/organizer/stats" element={<RequireAuth roles={['organizer']}><OrganizerStatsPage /></RequireAuth>} />
          <Route path="/organizer/events/:eventId/stats" element={<RequireAuth roles={['organizer']}><StatsPage scope="organizer" /></RequireAuth>} />
          <Route path="/organizer/webhooks" element={<RequireAuth roles={['organizer']}><WebhooksPage /></RequireAuth>} />
          <Route path="/organizer/apps" element={<RequireAuth roles={['organizer']}><OrganizerAppsPage /></RequireAuth>} />
          <Route path="/login" element={<LoginPage />} />
          <Route path="/register" element={<RegisterPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
        </Suspense>
      </main>
      <footer className="footer">
        <p>Seatwise · Seats are held for a limited time while you check out.</p>
      </footer>
    </>
  );
}

function NotFound() {
  useDocumentTitle('Page not found');
  return (
    <EmptyState title="Page not found">
      <p>
        <Link to="/">Browse events</Link>
      </p>
    </EmptyState>
  );
}

function useScrollToTopOnNavigate(): void {
  const { pathname } = useLocation();
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [pathname]);
}
