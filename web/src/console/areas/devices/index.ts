// The transport operator's devices: the on-board screen of a vehicle or boat (a tablet fixed in
// it shows the vehicle's rotating code, full screen, for a day without a reload).
import type { ConsoleArea } from '../../types'

const zh: Record<string, string> = {
  'devices.screens.title': '车载屏幕',
  'devices.screens.intro': '在固定于车船上的平板上登录后打开本车的屏幕页：页面全屏显示本车的动态二维码，按二维码的时间步自动更新，断网后自动重连。',
  'devices.screens.vehicle': '车船',
  'devices.screens.plate': '车牌 / 船号',
  'devices.screens.type': '类型',
  'devices.screens.open': '打开车载屏幕',
  'devices.screens.empty': '还没有车船。请先在"车船"页面登记车辆或船只。',
  'devices.type.bus': '公交车',
  'devices.type.shuttle': '接驳车',
  'devices.type.boat': '游船',
  'devices.screen.title': '车载屏幕',
  'devices.screen.scan': '扫码领碳币',
  'devices.screen.scan_other': 'Scan for carbon coins',
  'devices.screen.qr_alt': '本车当前的领碳币二维码',
  'devices.screen.short': '码号',
  'devices.screen.next_in': '{s} 秒后更新',
  'devices.screen.updating': '正在更新…',
  'devices.screen.loading': '正在加载本车二维码…',
  'devices.screen.offline': '网络中断，正在重连',
  'devices.screen.offline_stale': '网络中断，正在重连。二维码恢复网络后自动显示。',
  'devices.screen.problem': '无法显示本车二维码',
  'devices.screen.retry': '重试',
  'devices.screen.fullscreen': '全屏',
  'devices.screen.ride': '乘坐环保车船，扫码即可领取碳币',
}

const en: Record<string, string> = {
  'devices.screens.title': 'On-board screens',
  'devices.screens.intro': 'Sign in on the tablet fixed in the vehicle or boat and open its screen: it shows the vehicle\'s rotating code full screen, renews it on the code\'s step and reconnects by itself after a network loss.',
  'devices.screens.vehicle': 'Vehicle or boat',
  'devices.screens.plate': 'Plate / boat number',
  'devices.screens.type': 'Type',
  'devices.screens.open': 'Open the on-board screen',
  'devices.screens.empty': 'No vehicles or boats yet. Register one on the vehicles page first.',
  'devices.type.bus': 'Bus',
  'devices.type.shuttle': 'Shuttle',
  'devices.type.boat': 'Boat',
  'devices.screen.title': 'On-board screen',
  'devices.screen.scan': 'Scan for carbon coins',
  'devices.screen.scan_other': '扫码领碳币',
  'devices.screen.qr_alt': 'This vehicle\'s current QR code for carbon coins',
  'devices.screen.short': 'Code',
  'devices.screen.next_in': 'New code in {s} s',
  'devices.screen.updating': 'Updating…',
  'devices.screen.loading': 'Loading this vehicle\'s code…',
  'devices.screen.offline': 'Network lost, reconnecting',
  'devices.screen.offline_stale': 'Network lost, reconnecting. The code comes back with the network.',
  'devices.screen.problem': 'This vehicle\'s code cannot be shown',
  'devices.screen.retry': 'Retry',
  'devices.screen.fullscreen': 'Full screen',
  'devices.screen.ride': 'Ride green, scan to earn carbon coins',
}

export default {
  messages: { zh, en },
  routes: [
    {
      path: 'screens',
      component: () => import('./pages/Screens.vue'),
      meta: { title: 'devices.screens.title', roles: ['transport_operator'], menu: { group: 'console.group.codes', order: 50 } },
    },
    {
      path: 'screen/:assetId',
      component: () => import('./pages/Screen.vue'),
      meta: { title: 'devices.screen.title', roles: ['transport_operator'], bare: true },
    },
  ],
} satisfies ConsoleArea
