import access from './access';
import orders from './orders';
import panel from './panel';

export default { access, orders, panel };
