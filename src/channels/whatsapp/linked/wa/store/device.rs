//! The device itself: its own keys, its name, its numbers.

use async_trait::async_trait;
use whatsapp_rust::wacore::store::Device;
use whatsapp_rust::wacore::store::error::Result;
use whatsapp_rust::wacore::store::traits::DeviceStore;

use super::KeyStore;

#[async_trait]
impl DeviceStore for KeyStore {
    async fn save(&self, device: &Device) -> Result<()> {
        self.write(|s| s.device = Some(device.clone()));
        Ok(())
    }

    async fn load(&self) -> Result<Option<Device>> {
        Ok(self.read(|s| s.device.clone()))
    }

    async fn exists(&self) -> Result<bool> {
        Ok(self.read(|s| s.device.is_some()))
    }

    async fn create(&self) -> Result<i32> {
        self.write(|s| {
            if s.device.is_none() {
                s.device = Some(Device::new());
            }
        });
        Ok(1)
    }
}
