import access from './access';
import audit from './audit';
import messages from './messages';
import numbers from './numbers';
import panel from './panel';
import registry from './registry';
import runner from './runner';
import schedules from './schedules';
import tasks from './tasks';
import work from './work';

export default { access, audit, messages, numbers, panel, registry, runner, schedules, tasks, work };
