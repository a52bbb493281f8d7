import { Link, NavLink, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth';
import { MY_TICKETS_PATH } from '../paths';
import { isStaff } from '../types';

const navClass = ({ isActive }: { isActive: boolean }) => (isActive ? 'nav__link nav__link--active' : 'nav__link');

export function Header() {
  const { customer, logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const next = encodeURIComponent(location.pathname + location.search);
  const onAuthPage = location.pathname === '/login' || location.pathname === '/register';

  const onLogout = () => {
    logout();
    navigate('/');
  };

  return (
    <header className="header">
      <div className="header__inner">
        <Link to="/" className="brand" aria-label="Seatwise, all events">
          <span className="brand__mark" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="18" height="18" fill="currentColor">
              <path d="M3 7a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2v2.5a2.5 2.5 0 0 0 0 5V17a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-2.5a2.5 2.5 0 0 0 0-5z" />
            </svg>
          </span>
          Seatwise
        </Link>
        <nav className="nav" aria-label="Main">
          <NavLink to="/" end className={navClass}>
            Events
          </NavLink>
          <NavLink to={MY_TICKETS_PATH} className={navClass}>
            My tickets
          </NavLink>
          {customer?.role === 'organizer' && (
            <NavLink to="/organizer" end className={navClass}>
              My events
            </NavLink>
          )}
          {customer?.role === 'organizer' && (
            <NavLink to="/organizer/stats" className={navClass}>
              Statistics
            </NavLink>
          )}
          {customer?.role === 'organizer' && (
            <NavLink to="/organizer/webhooks" className={navClass}>
              Webhooks
            </NavLink>
          )}
          {customer?.role === 'organizer' && (
            <NavLink to="/organizer/apps" className={navClass}>
              API keys
            </NavLink>
          )}
          {isStaff(customer?.role) && (
            <NavLink to="/support" className={navClass}>
              Support
            </NavLink>
          )}
          {isStaff(customer?.role) && (
            <NavLink to="/checkin" className={navClass}>
              Check-in
            </NavLink>
          )}
          {customer?.role === 'admin' && (
            <NavLink to="/admin" className={navClass}>
              Admin
            </NavLink>
          )}
        </nav>
        <div className="header__account">
          {customer ? (
            <>
              <span className="header__user" title={customer.email}>
                {customer.name}
              </span>
              <button type="button" className="btn btn--ghost btn--sm" onClick={onLogout}>
                Log out
              </button>
            </>
          ) : (
            <>
              <Link to={onAuthPage ? '/login' : `/login?next=${next}`} className="btn btn--ghost btn--sm">
                Log in
              </Link>
              <Link to={onAuthPage ? '/register' : `/register?next=${next}`} className="btn btn--primary btn--sm">
                Register
              </Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}
