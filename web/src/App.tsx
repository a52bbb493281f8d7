import { StatsPage } from './pages/StatsPage';
import { useEffect } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { EmptyState } from './components/Feedback';
import { Header } from './components/Header';
import { RequireAuth } from './components/RequireAuth';
import { STAFF_ROLES } from './types';
import { useDocumentTitle } from './hooks';
import { LoginPage, RegisterPage } from './pages/AuthPages';
import { CheckinPage } from './pages/CheckinPage';
import { CheckoutPage } from './pages/CheckoutPage';
import { ConfirmationPage } from './pages/ConfirmationPage';
import { EventPage } from './pages/EventPage';
import { OrganizerPage } from './pages/OrganizerPage';
import { OrganizerEventFormPage } from './pages/OrganizerEventFormPage';
import { OrganizerEventPage } from './pages/OrganizerEventPage';
import { OrganizerStatsPage } from './pages/OrganizerStatsPage';
import { AdminPage } from './pages/AdminPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { OrganizerAppsPage } from './pages/OrganizerAppsPage';
import { EventsPage } from './pages/EventsPage';
import { MyTicketsPage } from './pages/MyTicketsPage';
import { MY_TICKETS_PATH } from './paths';
import { SupportPage } from './pages/SupportPage';
import { WaitlistPage } from './pages/WaitlistPage';

export function App() {
  useScrollToTopOnNavigate();
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <main id="main" className="main" tabIndex={-1}>
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
