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

/** The staff's and organizers' pages: one chunk, loaded on first use (web/src/pages/staff.tsx). */
const StaffPage = lazy(() => import('./pages/staff'));

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
          <Route path="/support" element={<RequireAuth roles={STAFF_ROLES}><StaffPage name="SupportPage" /></RequireAuth>} />
          <Route path="/support/events/:eventId/stats" element={<RequireAuth roles={STAFF_ROLES}><StaffPage name="SupportStatsPage" /></RequireAuth>} />
          <Route path="/support/events/:eventId/waitlist" element={<RequireAuth roles={STAFF_ROLES}><StaffPage name="WaitlistPage" /></RequireAuth>} />
          <Route path="/checkin" element={<RequireAuth roles={STAFF_ROLES}><StaffPage name="CheckinPage" /></RequireAuth>} />
          <Route path="/admin" element={<RequireAuth roles={['admin']}><StaffPage name="AdminPage" /></RequireAuth>} />
          <Route path="/organizer" element={<RequireAuth roles={['organizer']}><StaffPage name="OrganizerPage" /></RequireAuth>} />
          <Route path="/organizer/events/new" element={<RequireAuth roles={['organizer']}><StaffPage name="OrganizerEventFormPage" /></RequireAuth>} />
          <Route path="/organizer/events/:eventId" element={<RequireAuth roles={['organizer']}><StaffPage name="OrganizerEventPage" /></RequireAuth>} />
          <Route path="/organizer/events/:eventId/edit" element={<RequireAuth roles={['organizer']}><StaffPage name="OrganizerEventFormPage" /></RequireAuth>} />
          <Route path="/organizer/stats" element={<RequireAuth roles={['organizer']}><StaffPage name="OrganizerStatsPage" /></RequireAuth>} />
          <Route path="/organizer/events/:eventId/stats" element={<RequireAuth roles={['organizer']}><StaffPage name="OrganizerEventStatsPage" /></RequireAuth>} />
          <Route path="/organizer/webhooks" element={<RequireAuth roles={['organizer']}><StaffPage name="WebhooksPage" /></RequireAuth>} />
          <Route path="/organizer/apps" element={<RequireAuth roles={['organizer']}><StaffPage name="OrganizerAppsPage" /></RequireAuth>} />
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
