import { Layouts, Page, SubNav } from '@strapi/strapi/admin';
import { Route, Routes } from 'react-router-dom';
import { useCan } from '../api';
import { ACTIONS } from '../pluginId';
import { OverviewPage } from './Overview';
import { ReportsPage } from './Reports';
import { RunPage } from './Run';
import { RunsPage } from './Runs';
import { SettingsPage } from './Settings';
import { TasksPage } from './Tasks';

/** The plugin's pages behind one menu entry, with a side navigation showing what the admin may open. */
const Navigation = () => {
  const can = useCan();
  const links = [
    { to: '', label: 'Overview', end: true, allowed: can(ACTIONS.readDashboard) },
    { to: 'runs', label: 'Runs', allowed: can(ACTIONS.readRuns) },
    { to: 'tasks', label: 'Tasks', allowed: can(ACTIONS.financeTasks) || can(ACTIONS.customerSuccessTasks) },
    { to: 'reports', label: 'Reports', allowed: can(ACTIONS.readReports) },
    { to: 'settings', label: 'Settings', allowed: can(ACTIONS.readSettings) },
  ].filter((link) => link.allowed);
  return (
    <SubNav.Main aria-label="Plan renewals">
      <SubNav.Header label="Plan renewals" />
      <SubNav.Sections>
        {[
          <SubNav.Section key="billing" label="Billing">
            {links.map((link) => (
              <SubNav.Link key={link.to} to={link.to} end={link.end} label={link.label} />
            ))}
          </SubNav.Section>,
        ]}
      </SubNav.Sections>
    </SubNav.Main>
  );
};

/** Opens a page to an admin holding any of the actions (the plugin's actions have no subject). */
const protect = (action: string | string[], element: JSX.Element) => (
  <Page.Protect permissions={(Array.isArray(action) ? action : [action]).map((a) => ({ action: a, subject: null }))}>{element}</Page.Protect>
);

const App = () => (
  <Layouts.Root sideNav={<Navigation />}>
    <Routes>
      <Route index element={protect(ACTIONS.readDashboard, <OverviewPage />)} />
      <Route path="runs" element={protect(ACTIONS.readRuns, <RunsPage />)} />
      <Route path="runs/:documentId" element={protect(ACTIONS.readRuns, <RunPage />)} />
      <Route path="tasks" element={protect([ACTIONS.financeTasks, ACTIONS.customerSuccessTasks], <TasksPage />)} />
      <Route path="reports" element={protect(ACTIONS.readReports, <ReportsPage />)} />
      <Route path="reports/:month" element={protect(ACTIONS.readReports, <ReportsPage />)} />
      <Route path="settings" element={protect(ACTIONS.readSettings, <SettingsPage />)} />
      <Route path="*" element={<Page.Error />} />
    </Routes>
  </Layouts.Root>
);

export default App;
