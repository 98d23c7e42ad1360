import bootstrap from './bootstrap';
import register from './register';
import services from './services';

export default {
  register,
  bootstrap,
  services,
};
