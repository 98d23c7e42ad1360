import access from './access';
import audit from './audit';
import messages from './messages';
import panel from './panel';
import registry from './registry';
import runner from './runner';
import tasks from './tasks';
import work from './work';

export default { access, audit, messages, panel, registry, runner, tasks, work };
