import { Layouts, Page, SubNav } from '@strapi/strapi/admin';
import { Route, Routes } from 'react-router-dom';
import { ACTIONS } from '../pluginId';
import { CertificatePage } from './Certificate';
import { OverviewPage } from './Overview';
import { RequestPage } from './Request';
import { RequestsPage } from './Requests';

/** The plugin's pages behind one menu entry, with a side navigation. */
const Navigation = () => (
  <SubNav.Main aria-label="Approvals">
    <SubNav.Header label="Approvals" />
    <SubNav.Sections>
      {[
        <SubNav.Section key="approvals" label="Repair estimates">
          <SubNav.Link to="" end label="Overview" />
          <SubNav.Link to="requests" label="Requests" />
        </SubNav.Section>,
      ]}
    </SubNav.Sections>
  </SubNav.Main>
);

/** Every page needs "Read approvals" (the plugin's one action; the server checks it again). */
const protect = (element: JSX.Element) => <Page.Protect permissions={[{ action: ACTIONS.readApprovals, subject: null }]}>{element}</Page.Protect>;

const App = () => (
  <Layouts.Root sideNav={<Navigation />}>
    <Routes>
      <Route index element={protect(<OverviewPage />)} />
      <Route path="requests" element={protect(<RequestsPage />)} />
      <Route path="requests/:documentId" element={protect(<RequestPage />)} />
      <Route path="certificates/:number" element={protect(<CertificatePage />)} />
      <Route path="*" element={<Page.Error />} />
    </Routes>
  </Layouts.Root>
);

export default App;
