import audit from './audit';
import messages from './messages';
import registry from './registry';
import runner from './runner';
import tasks from './tasks';
import work from './work';

export default { audit, messages, registry, runner, tasks, work };
