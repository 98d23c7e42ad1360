import messages from './messages';
import registry from './registry';
import work from './work';

export default { registry, work, messages };
