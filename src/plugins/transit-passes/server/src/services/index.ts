import access from './access';
import cardPayments from './card-payments';
import orders from './orders';
import panel from './panel';

export default { access, 'card-payments': cardPayments, orders, panel };
