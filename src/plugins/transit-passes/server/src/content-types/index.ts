import cardStockSchema from './card-stock/schema.json';
import dailyRevenueSchema from './daily-revenue/schema.json';
import fareProductSchema from './fare-product/schema.json';
import orderSchema from './order/schema.json';
import passSchema from './pass/schema.json';
import verificationSchema from './verification/schema.json';

export default {
  'fare-product': { schema: fareProductSchema },
  'card-stock': { schema: cardStockSchema },
  order: { schema: orderSchema },
  pass: { schema: passSchema },
  verification: { schema: verificationSchema },
  'daily-revenue': { schema: dailyRevenueSchema },
};
