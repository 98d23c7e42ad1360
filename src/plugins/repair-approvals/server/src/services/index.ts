import access from './access';
import panel from './panel';
import requests from './requests';

export default { access, panel, requests };
