import { Layouts, Page, SubNav } from '@strapi/strapi/admin';
import { Route, Routes } from 'react-router-dom';
import { ACTIONS } from '../pluginId';
import { RunPage } from './Run';
import { RunsPage } from './Runs';
import { TasksPage } from './Tasks';

/** The engine's pages behind one menu entry, with a side navigation. */
const Navigation = () => (
  <SubNav.Main aria-label="Processes">
    <SubNav.Header label="Processes" />
    <SubNav.Sections>
      {[
        <SubNav.Section key="engine" label="Every process">
          <SubNav.Link to="" end label="Runs" />
          <SubNav.Link to="tasks" label="Tasks" />
        </SubNav.Section>,
      ]}
    </SubNav.Sections>
  </SubNav.Main>
);

/** Every page reads runs or tasks: the read action opens them (the actions have no subject). */
const protect = (element: JSX.Element) => <Page.Protect permissions={[{ action: ACTIONS.readRuns, subject: null }]}>{element}</Page.Protect>;

const App = () => (
  <Layouts.Root sideNav={<Navigation />}>
    <Routes>
      <Route index element={protect(<RunsPage />)} />
      <Route path="runs/:documentId" element={protect(<RunPage />)} />
      <Route path="tasks" element={protect(<TasksPage />)} />
      <Route path="*" element={<Page.Error />} />
    </Routes>
  </Layouts.Root>
);

export default App;
